/**
 * Greedy parsing ("fast" mode): at each position take the longest of the match finder's
 * match and the four rep distances, preferring a rep when it is nearly as long (it is far
 * cheaper to code). No lookahead.
 */
import type { MatchSource } from './match-finder.js';
import { MATCH_LEN_MAX } from './model.js';
import type { SymbolEncoder } from './symbols.js';

export function parseGreedy(enc: SymbolEncoder, mf: MatchSource, niceLen: number): void {
  const data = enc.data;
  const n = data.length;
  const reps = enc.reps;
  const matches = mf.matches;
  let pos = 0;
  while (pos < n) {
    const count = mf.find();
    const avail = Math.min(n - pos, MATCH_LEN_MAX);
    let mainLen = 0;
    let mainDist = 0;
    if (count > 0) {
      mainLen = matches[2 * count - 2]!;
      mainDist = matches[2 * count - 1]!;
      if (mainLen >= niceLen) {
        const src = pos - mainDist - 1;
        while (mainLen < avail && data[src + mainLen] === data[pos + mainLen]) mainLen++;
      }
      if (mainLen === 2 && mainDist >= 128) mainLen = 0;
    }
    let repLen = 0;
    let repIdx = 0;
    for (let i = 0; i < 4; i++) {
      const src = pos - reps[i]! - 1;
      if (src < 0) continue;
      let len = 0;
      while (len < avail && data[src + len] === data[pos + len]) len++;
      if (len > repLen) {
        repLen = len;
        repIdx = i;
      }
    }
    let len = 1;
    if (repLen >= 2 && repLen + 1 >= mainLen) {
      len = repLen;
      enc.rep(pos, repIdx, len);
    } else if (mainLen >= 2) {
      len = mainLen;
      enc.match(pos, mainDist, len);
    } else {
      enc.literal(pos);
    }
    if (len > 1) mf.skip(len - 1);
    pos += len;
  }
}
