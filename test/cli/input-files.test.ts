/** Missing files and directories named as files: a typed error with a code, never a bare ENOENT/EISDIR. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { slow } from '../helpers/slack.js';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'nixwrt-input-files-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const nixwrt = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'nixwrt.js'), ...args], { encoding: 'utf8' });
const absent = join(work, 'absent');
const file = join(work, 'data');
writeFileSync(file, 'some bytes\n');
const out = join(work, 'out.bin');

const cases: Array<[string, string[], string]> = [
  ['fetch --lock (missing)', ['fetch', '--lock', absent, 'busybox'], 'no-such-file'],
  ['fetch --lock (directory)', ['fetch', '--lock', work, 'busybox'], 'is-a-directory'],
  ['build CONFIG (missing)', ['build', absent, '--out', join(work, 'o')], 'no-such-file'],
  ['build CONFIG (directory)', ['build', work, '--out', join(work, 'o')], 'is-a-directory'],
  ['inspect FILE (missing)', ['inspect', absent], 'no-such-file'],
  ['kernel VMLINUX (missing)', ['kernel', absent, '-o', out], 'no-such-file'],
  ['kernel VMLINUX (directory)', ['kernel', work, '-o', out], 'is-a-directory'],
  ['kernel --dtb (missing)', ['kernel', file, '--dtb', absent, '-o', out], 'no-such-file'],
  ['kernel -o (directory)', ['kernel', file, '-o', work], 'is-a-directory'],
  ['lzma IN (missing)', ['lzma', absent, out], 'no-such-file'],
  ['lzma IN (directory)', ['lzma', work, out], 'is-a-directory'],
  ['lzma OUT (directory)', ['lzma', file, work], 'is-a-directory'],
  ['mkimage -l (missing)', ['mkimage', '-l', absent], 'no-such-file'],
  ['mkimage -l (directory)', ['mkimage', '-l', work], 'is-a-directory'],
  ['mkimage -d (missing)', ['mkimage', '-A', 'mips', '-d', absent, out], 'no-such-file'],
  ['mkimage -d (directory)', ['mkimage', '-A', 'mips', '-d', work, out], 'is-a-directory'],
  ['mkimage IMAGE (directory)', ['mkimage', '-A', 'mips', '-d', file, work], 'is-a-directory'],
  ['dtc IN.dts (missing)', ['dtc', absent, '-o', out], 'no-such-file'],
  ['dtc IN.dts (directory)', ['dtc', work, '-o', out], 'is-a-directory'],
  ['dtc IN.dtb (missing)', ['dtc', '-I', 'dtb', absent, '-o', out], 'no-such-file'],
  ['dtc -o (directory)', ['dtc', file, '-o', work], 'is-a-directory'],
];

describe('input files named on the command line', () => {
  for (const [name, args, code] of cases) {
    it(`${name} → [${code}], exit 1, nothing written`, () => {
      const before = readdirSync(work).sort();
      const r = nixwrt(...args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^nixwrt: .*\\[${code}\\]\\n$`));
      expect(r.stderr).not.toMatch(/ENOENT|EISDIR/);
      expect(readdirSync(work).sort()).toEqual(before);
    });
  }
});

describe('an unreachable binary cache', () => {
  it('is a [network] error naming the URL once, not a missing path', () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    const url = 'http://127.0.0.1:9';
    const key = 'nixwrt-fixtures-1:DxjkqEKTszonhSv8zqYdP0s1fwSd5NcOOw+PF/Bm6VE=';
    const r = nixwrt('fetch', '--substituter', url, '--trusted-public-key', key, '--cache-dir', join(work, 'cache'),
      '/nix/store/lxnkn1nh9hpbwg24p1hgcjrig5m5m82z-busybox-1.35.0');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\[network\]\n$/);
    expect(r.stderr.split(`${url}/nix-cache-info`).length - 1).toBe(1);
  }, slow(60_000));
});
