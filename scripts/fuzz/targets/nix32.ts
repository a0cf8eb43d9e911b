/** nix32, hashes (base16, nix32, base64, SRI) and store paths: one per line, each checked on its own. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatHashHex, formatHashNix32, formatHashSRI, isStorePath, nix32Decode, nix32Encode, parseHash, parseNarInfo, storePathBaseName,
  storePathHashPart,
} from '../../../src/nix/index.js';
import { text, typedOk, utf8, type FuzzTarget } from '../target.js';
import { FIXTURES } from './paths.js';

const target: FuzzTarget = {
  dictionary: ['sha256:', 'sha512-', 'sha1:', 'md5:', '/nix/store/', '=', '\n'],
  seeds() {
    const names = readdirSync(join(FIXTURES, 'cache')).filter((n) => n.endsWith('.narinfo')).sort().slice(0, 8);
    return names.map((n) => {
      const info = parseNarInfo(readFileSync(join(FIXTURES, 'cache', n), 'utf8'));
      const h = info.narHash;
      return utf8([formatHashNix32(h), info.storePath, formatHashNix32(h).split(':')[1]!, formatHashSRI(h), formatHashHex(h)].join('\n'));
    });
  },
  async run(bytes) {
    let first: Error | undefined;
    for (const line of text(bytes).split('\n')) {
      if (line.startsWith('/')) {
        first ??= await typedOk(() => isStorePath(line) || storePathHashPart(line) + storePathBaseName(line));
        continue;
      }
      first ??= await typedOk(() => formatHashNix32(parseHash(line, 'sha256')));
      const digest = line.slice(line.indexOf(':') + 1);
      // A SHA-256 in nix32 (52 characters) also through the codec itself, both ways.
      if (digest.length === 52) first ??= await typedOk(() => nix32Encode(nix32Decode(digest)));
    }
    // Every line was tried; the first typed error is this input's verdict.
    if (first) throw first;
  },
};
export default target;
