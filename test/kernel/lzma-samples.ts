/**
 * Inputs for the LZMA tests. Generated ones are built from fixed seeds; the MIPS sample is
 * real MIPS32 code: the fixture kernel when present, else mipsel glibc from Debian's
 * libc6-mipsel-cross (installed by .ci/run).
 */
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { pseudoRandom } from '../helpers/pseudo-random.js';

/** Deterministic pseudo-random bytes (xorshift32). */
export const randomBytes = pseudoRandom;

export function text(n: number): Uint8Array {
  const words = ['router', 'kernel', 'flash', 'uImage', 'squashfs', 'lzma', 'the', 'a', 'of', 'boot', 'nix', 'store'];
  const r = randomBytes(n, 7);
  let s = '';
  for (let i = 0; s.length < n; i++) s += words[r[i % n]! % words.length] + (r[(i * 7) % n]! % 9 === 0 ? '.\n' : ' ');
  return new TextEncoder().encode(s.slice(0, n));
}

const MIPS_CANDIDATES = ['/usr/mipsel-linux-gnu/lib/libc.so.6'];

/** Up to `max` bytes of real MIPS code, or undefined when none is installed. */
export function mipsSample(max: number): Uint8Array | undefined {
  for (const p of MIPS_CANDIDATES) {
    if (existsSync(p)) return new Uint8Array(readFileSync(p)).subarray(0, max);
  }
  if (process.env.NIXWRT_REQUIRE_PEERS === '1') throw new Error(`no MIPS sample found (${MIPS_CANDIDATES.join(', ')})`);
  return undefined;
}

export function python3HasLzma(): boolean {
  return spawnSync('python3', ['-c', 'import lzma']).status === 0;
}
