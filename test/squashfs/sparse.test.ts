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
