import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePeers, haveRequirement } from '../helpers/peer.js';
import { openSquashfs, treeFromHostDir, writeSquashfsToBuffer, type SquashfsOptions } from '../../src/squashfs/index.js';
import { sysLibs } from '../../src/squashfs/syslib.js';
import { mixed } from './trees.js';

const T = 1_000_000;
const BS = 4096;

/** A file of `size` bytes with `data` written at the given offsets and holes (never written) elsewhere. */
function holey(path: string, size: number, parts: Array<[number, Uint8Array]>): void {
  const fd = openSync(path, 'w');
  try {
    for (const [at, data] of parts) writeSync(fd, data, 0, data.length, at);
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

/**
 * Files with real holes (st_blocks × 512 under the size) beside files with the same zero blocks
 * written out: holes in the middle, at the end (a short sparse tail), a file that is one hole,
 * a small one that is one hole, and duplicates both ways (a duplicate takes the first file's
 * sparse count, as in mksquashfs).
 */
function makeTree(root: string): string {
  const src = join(root, 'src');
  mkdirSync(src);
  const a = mixed(BS, 'a');
  const b = mixed(BS + 100, 'b');
  holey(join(src, 'middle'), 5 * BS, [[0, a], [4 * BS, a]]);
  holey(join(src, 'end'), 3 * BS + 1000, [[0, b]]);
  holey(join(src, 'all-hole'), 3 * BS, []);
  holey(join(src, 'small-hole'), 100, []);
  holey(join(src, 'unaligned'), 7 * BS + 5, [[BS + 7, b], [6 * BS, a.subarray(0, 50)]]);
  const dense = new Uint8Array(5 * BS);
  dense.set(a, 0);
  dense.set(a, 4 * BS);
  writeFileSync(join(src, 'middle-z-dup'), dense);
  dense.set(b.subarray(0, BS), 0);
  writeFileSync(join(src, 'middle-dense'), dense);
  writeFileSync(join(src, 'zeros-dense'), new Uint8Array(2 * BS));
  holey(join(src, 'zz-dup-of-dense'), 2 * BS, []);
  return src;
}

describe.skipIf(!havePeers('mksquashfs', 'unsquashfs'))('files with real holes, against mksquashfs', () => {
  let dir: string;
  let src: string;
  let holesWork = false;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqfs-sparse-'));
    src = makeTree(dir);
    holesWork = lstatSync(join(src, 'all-hole')).blocks * 512 < 3 * BS;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const variants: Array<[string, Partial<SquashfsOptions>, string[]]> = [
    ['gzip', { comp: 'gzip' }, ['-comp', 'gzip']],
    ['xz', { comp: 'xz' }, ['-comp', 'xz']],
    ['gzip, -always-use-fragments', { comp: 'gzip', alwaysFragments: true }, ['-comp', 'gzip', '-always-use-fragments']],
    ['xz, -no-fragments', { comp: 'xz', fragments: false }, ['-comp', 'xz', '-no-fragments']],
  ];
  for (const [name, opts, args] of variants) {
    it(`${name}: extended inodes with the sparse count, byte for byte mksquashfs's image`, async () => {
      if (!haveRequirement(holesWork, `the file system under ${tmpdir()} makes no holes`)) return;
      const ours = await writeSquashfsToBuffer(await treeFromHostDir(src), { ...opts, blockSize: BS, allRoot: true, mkfsTime: T, allTime: T, jobs: 0 });
      const theirs = join(dir, `theirs.img`);
      execFileSync('mksquashfs', [src, theirs, '-noappend', '-quiet', '-no-progress', '-processors', '1', '-b', String(BS), '-all-root', '-mkfs-time', String(T), '-all-time', String(T), ...args]);
      if (sysLibs()) expect(Buffer.from(ours).equals(readFileSync(theirs))).toBe(true);

      const img = await openSquashfs(ours);
      // Holey files take the extended type (9); the same zeros written out keep the basic one (2).
      expect(img.lookup('/middle').type).toBe(9);
      expect(img.lookup('/middle-dense').type).toBe(2);
      expect(img.lookup('/middle-z-dup').type).toBe(9); // written out, but a duplicate of middle
      expect(img.lookup('/all-hole').type).toBe(9);
      expect(img.lookup('/small-hole').type).toBe(9);
      expect(img.lookup('/zeros-dense').type).toBe(2);
      expect(img.lookup('/zz-dup-of-dense').type).toBe(2); // a duplicate of zeros-dense
      for (const p of ['middle', 'end', 'all-hole', 'small-hole', 'unaligned', 'zz-dup-of-dense']) {
        expect(Buffer.from(img.readFile(`/${p}`)).equals(readFileSync(join(src, p)))).toBe(true);
      }
      img.close();
    });
  }
});

/**
 * Zero last blocks: files whose blocks match but for an all-zero last block of another length
 * (mksquashfs shares the blocks), and all-zero small files (mksquashfs looks for a copy only
 * when a fragment of their length was stored before, and then takes the last one stored, of any
 * length). One of them has a real hole.
 */
function makeZeroTree(root: string): string {
  const src = join(root, 'zsrc');
  mkdirSync(src);
  const X = mixed(BS, 'X');
  const Y = mixed(2 * BS, 'Y');
  const put = (name: string, data: Uint8Array) => writeFileSync(join(src, name), data);
  put('a0', new Uint8Array(300));
  put('a1', X); // a block written: later block starts differ
  put('a2', new Uint8Array(300)); // no 300-byte fragment yet: stored anew
  put('a3', mixed(300, 'frag300'));
  put('a4', new Uint8Array(300)); // now a copy of a2
  put('a5', new Uint8Array(200)); // no 200-byte fragment: stored anew
  put('a6', mixed(200, 'frag200'));
  put('a7', new Uint8Array(300)); // takes a5 (the last stored), though 200 bytes
  holey(join(src, 'a8'), 300, []); // the same, with its own sparse count
  put('f1', cat(X, new Uint8Array(100)));
  put('f2', cat(X, new Uint8Array(200))); // f1's blocks
  put('f3', cat(X, new Uint8Array(200))); // a whole copy of f2
  put('f4', cat(Y, new Uint8Array(BS)));
  put('f5', cat(Y, new Uint8Array(50))); // f4's blocks
  put('f6', cat(Y, mixed(50, 'y'))); // not zero: its own
  return src;
}
const cat = (...parts: Uint8Array[]) => Buffer.concat(parts);

describe.skipIf(!havePeers('mksquashfs', 'unsquashfs'))('zero last blocks and all-zero small files, against mksquashfs', () => {
  let dir: string;
  let src: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqfs-zero-'));
    src = makeZeroTree(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const variants: Array<[string, Partial<SquashfsOptions>, string[]]> = [
    ['gzip', { comp: 'gzip' }, ['-comp', 'gzip']],
    ['xz', { comp: 'xz' }, ['-comp', 'xz']],
    ['gzip, -no-fragments', { comp: 'gzip', fragments: false }, ['-comp', 'gzip', '-no-fragments']],
  ];
  for (const [name, opts, args] of variants) {
    it(`${name}: byte for byte mksquashfs's image`, async () => {
      const ours = await writeSquashfsToBuffer(await treeFromHostDir(src), { ...opts, blockSize: BS, allRoot: true, mkfsTime: T, allTime: T, jobs: 0 });
      const theirs = join(dir, 'theirs.img');
      execFileSync('mksquashfs', [src, theirs, '-noappend', '-quiet', '-no-progress', '-processors', '1', '-b', String(BS), '-all-root', '-mkfs-time', String(T), '-all-time', String(T), ...args]);
      if (sysLibs()) expect(Buffer.from(ours).equals(readFileSync(theirs))).toBe(true);
      const img = await openSquashfs(ours);
      const start = (p: string) => (img.lookup(`/${p}`) as unknown as { blocksStart: number }).blocksStart;
      expect(start('f2')).toBe(start('f1'));
      expect(start('f5')).toBe(start('f4'));
      expect(start('f6')).not.toBe(start('f4'));
      for (const p of ['a0', 'a2', 'a4', 'a7', 'a8', 'f1', 'f2', 'f3', 'f5']) expect(Buffer.from(img.readFile(`/${p}`)).equals(readFileSync(join(src, p)))).toBe(true);
      img.close();
    });
  }
});
