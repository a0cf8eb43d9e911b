/** The NAR push parser, fed the whole input at once and again in 61-byte pieces. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NarParser } from '../../../src/nix/index.js';
import type { FuzzTarget } from '../target.js';
import { NAR_WORDS, narSeeds } from './nar-trees.js';
import { FIXTURES } from './paths.js';

function parse(bytes: Uint8Array, chunk: number): number {
  const p = new NarParser();
  let events = 0;
  for (let at = 0; at < bytes.length; at += chunk) events += p.push(bytes.subarray(at, at + chunk)).length;
  return events + p.end().length;
}

const target: FuzzTarget = {
  dictionary: NAR_WORDS,
  seeds() {
    return [...narSeeds(), new Uint8Array(readFileSync(join(FIXTURES, 'cache-none', 'nar', '0k6jzxs68l5apgbd6yra8ra1j13j94j5ya43w2bmrs056d97j7bx.nar')))];
  },
  run(bytes) {
    let whole: unknown;
    try {
      parse(bytes, Math.max(1, bytes.length));
    } catch (err) {
      whole = err;
    }
    // Chunking must not change the verdict: the same error code, or none, both ways.
    let pieces: unknown;
    try {
      parse(bytes, 61);
    } catch (err) {
      pieces = err;
    }
    const code = (e: unknown) => (e as { code?: unknown } | undefined)?.code;
    for (const e of [whole, pieces]) if (e !== undefined && code(e) === undefined) throw e;
    if (code(whole) !== code(pieces)) throw new Error(`chunking changes the verdict: ${String(code(whole))} vs ${String(code(pieces))}`);
    if (whole !== undefined) throw whole;
  },
};
export default target;
