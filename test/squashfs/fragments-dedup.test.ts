import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePeers } from '../helpers/peer.js';
import { openSquashfs, treeFromHostDir, writeSquashfsToBuffer } from '../../src/squashfs/index.js';
import { sysLibs } from '../../src/squashfs/syslib.js';
import { mixed } from './trees.js';

const T = 1_000_000;
const BS = 4096;
const cat = (...parts: Uint8Array[]) => Buffer.concat(parts);

/**
 * A duplicate-heavy tree for -always-use-fragments, in the order both tools read it (names
 * sort): files whose whole blocks match and tails differ, tails that match and blocks differ,
 * small files equal to a tail and tails equal to a small file, whole duplicates of those mixes,
 * a file that is just the shared blocks, and a zero tail (a sparse block, never shared).
 */
function makeTree(root: string): Record<string, Buffer> {
  const src = join(root, 'src');
  mkdirSync(join(src, 'sub'), { recursive: true });
  const X = mixed(3 * BS, 'X');
  const Y = mixed(2 * BS, 'Y');
  const Z = mixed(BS, 'Z');
  const t1 = mixed(700, 't1');
  const t2 = mixed(1500, 't2');
  const t3 = mixed(700, 't3');
  const s1 = mixed(333, 's1');
  const files: Record<string, Buffer> = {
    'a0-zero': Buffer.alloc(700), // an all-zero small file: one sparse block
    'a1-X-t1': cat(X, t1),
    'a2-X-t2': cat(X, t2), // shares a1's blocks
    'a3-Y-t1': cat(Y, t1), // shares a1's tail
    'a4-t2': Buffer.from(t2), // a small file equal to a2's tail
    'a5-s1': Buffer.from(s1),
    'a6-Z-s1': cat(Z, s1), // its tail equals a small file
    'a7-X-t1': cat(X, t1), // whole duplicate of a1
    'a8-X-t3': cat(X, t3), // shares a1's blocks, new tail
    'a9-X-t2': cat(X, t2), // whole duplicate of a hybrid
    'b1-Y-t2': cat(Y, t2), // a3's blocks with a2's tail: nothing new
    'b2-Y-t2': cat(Y, t2), // and again
    'b3-X-zero': cat(X, new Uint8Array(900)), // zero tail: a sparse block, its own blocks
    'b4-Z-t3': cat(Z, t3),
    'b5-zero': Buffer.alloc(700), // a copy of a0 now that a 700-byte fragment is stored
    'sub/c1-Y-t3': cat(Y, t3),
    'sub/c2-t1': Buffer.from(t1),
  };
  for (const [p, data] of Object.entries(files)) writeFileSync(join(src, p), data);
  return files;
}

describe.skipIf(!havePeers('mksquashfs', 'unsquashfs'))('-always-use-fragments: shared blocks and fragments, against mksquashfs', () => {
  let dir: string;
  let src: string;
  let files: Record<string, Buffer>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqfs-fragdup-'));
    files = makeTree(dir);
    src = join(dir, 'src');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const comp of ['gzip', 'xz'] as const) {
    it(`${comp}: byte for byte mksquashfs's image`, async () => {
      const ours = await writeSquashfsToBuffer(await treeFromHostDir(src), { comp, blockSize: BS, alwaysFragments: true, allRoot: true, mkfsTime: T, allTime: T, jobs: 0 });
      const theirs = join(dir, `theirs-${comp}.img`);
      execFileSync('mksquashfs', [src, theirs, '-noappend', '-quiet', '-no-progress', '-processors', '1', '-b', String(BS), '-always-use-fragments', '-comp', comp, '-all-root', '-mkfs-time', String(T), '-all-time', String(T)]);
      if (sysLibs()) expect(Buffer.from(ours).equals(readFileSync(theirs))).toBe(true);

      const img = await openSquashfs(ours);
      const at = (p: string) => img.lookup(`/${p}`) as unknown as { blocksStart: number; fragment: number; fragOffset: number };
      expect(at('a2-X-t2').blocksStart).toBe(at('a1-X-t1').blocksStart);
      expect([at('a3-Y-t1').fragment, at('a3-Y-t1').fragOffset]).toEqual([at('a1-X-t1').fragment, at('a1-X-t1').fragOffset]);
      expect([at('a4-t2').fragment, at('a4-t2').fragOffset]).toEqual([at('a2-X-t2').fragment, at('a2-X-t2').fragOffset]);
      expect([at('a6-Z-s1').fragment, at('a6-Z-s1').fragOffset]).toEqual([at('a5-s1').fragment, at('a5-s1').fragOffset]);
      expect(at('b3-X-zero').blocksStart).not.toBe(at('a1-X-t1').blocksStart);
      for (const [p, data] of Object.entries(files)) expect(Buffer.from(img.readFile(`/${p}`)).equals(data)).toBe(true);
      img.close();
    });
  }

  it('with a block cache (keys from block digests): the same bytes, cold and warm', async () => {
    const opts = { comp: 'gzip' as const, blockSize: BS, alwaysFragments: true, mkfsTime: T, allTime: T, jobs: 0 };
    const plain = await writeSquashfsToBuffer(await treeFromHostDir(src), opts);
    const store = new Map<string, { data: Uint8Array; compressed: boolean }>();
    const blockCache = { get: (k: string) => store.get(k), put: (k: string, v: { data: Uint8Array; compressed: boolean }) => void store.set(k, v) };
    for (let round = 0; round < 2; round++) {
      const cached = await writeSquashfsToBuffer(await treeFromHostDir(src), { ...opts, blockCache });
      expect(Buffer.from(cached).equals(Buffer.from(plain))).toBe(true);
    }
  });

  it("where mksquashfs 4.5.1 stores the wrong file, ours is right", async () => {
    // A small file equal to the tail of a file whose blocks a tail-less file shares: mksquashfs's
    // frag_duplicate() takes that file's first partial duplicate for a copy of the small file, so
    // its image holds 3 blocks of X there. Ours holds the small file (and differs only there).
    const bug = join(dir, 'bug');
    mkdirSync(bug);
    const X = mixed(3 * BS, 'X');
    const t1 = mixed(700, 't1');
    writeFileSync(join(bug, 'a1'), cat(X, t1));
    writeFileSync(join(bug, 'a2'), X);
    writeFileSync(join(bug, 'a3'), t1);
    const theirs = join(dir, 'bug.img');
    execFileSync('mksquashfs', [bug, theirs, '-noappend', '-quiet', '-no-progress', '-processors', '1', '-b', String(BS), '-always-use-fragments']);
    const peer = await openSquashfs(readFileSync(theirs));
    const wrong = peer.readFile('/a3').length;
    peer.close();
    const img = await openSquashfs(await writeSquashfsToBuffer(await treeFromHostDir(bug), { blockSize: BS, alwaysFragments: true, mkfsTime: T, jobs: 0 }));
    expect(Buffer.from(img.readFile('/a3')).equals(t1)).toBe(true);
    expect(Buffer.from(img.readFile('/a2')).equals(X)).toBe(true);
    img.close();
    if (wrong === t1.length) process.stderr.write('[note] this mksquashfs stores /a3 right: the divergence in docs/squashfs.md is gone\n');
    else expect(wrong).toBe(3 * BS);
  });

  it('unsquashfs extracts every file of our image exactly', async () => {
    const img = join(dir, 'ours.img');
    writeFileSync(img, await writeSquashfsToBuffer(await treeFromHostDir(src), { comp: 'gzip', blockSize: BS, alwaysFragments: true, mkfsTime: T, jobs: 0 }));
    const out = join(dir, 'x');
    execFileSync('unsquashfs', ['-no-progress', '-d', out, img], { stdio: 'pipe' });
    for (const [p, data] of Object.entries(files)) expect(readFileSync(join(out, p)).equals(data)).toBe(true);
  });
});
