import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { DirNode, TreeNode } from '../../src/rootfs/tree.js';
import { createPool } from '../../src/workers/pool.js';
import { openSquashfs, writeSquashfsToBuffer, type SquashfsOptions } from '../../src/squashfs/index.js';
import { mixed, noise } from './trees.js';

const meta = { mode: 0o755, uid: 0, gid: 0, mtime: 1_600_000_000 };
function file(data: Uint8Array, mode = 0o644): TreeNode {
  return { ...meta, mode, type: 'file', content: { kind: 'bytes', data } };
}
/** An in-memory tree: several blocks, fragments, duplicates, a sparse run. */
function tree(): DirNode {
  const bs = 4096;
  const big = mixed(10 * bs + 17, 'big');
  big.fill(0, 2 * bs, 4 * bs);
  const children = new Map<string, TreeNode>([
    ['big', file(big)],
    ['copy-of-big', file(big.slice())],
    ['noise', file(noise(3 * bs, 'n'))],
    ['bin', { ...meta, type: 'dir', children: new Map(Array.from({ length: 40 }, (_, i) => [`f${i}`, file(mixed(100 + i * 97, `s${i}`))])) }],
    ['link', { ...meta, type: 'symlink', target: 'big' }],
    ['null', { ...meta, type: 'char', major: 1, minor: 3 }],
  ]);
  return { ...meta, type: 'dir', children };
}

const hash = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('squashfs writer determinism', () => {
  const pools = [createPool({ threads: 1 }), createPool({ threads: 2 })];
  afterAll(async () => {
    for (const p of pools) await p.close();
  });

  for (const comp of ['gzip', 'xz', 'zstd'] as const) {
    it(`${comp}: same bytes twice and with 0, 1 and 2 worker threads`, async () => {
      const opts: SquashfsOptions = { comp, blockSize: 4096, mkfsTime: 1, xzBcj: comp === 'xz' ? ['x86', 'arm'] : undefined };
      const a = await writeSquashfsToBuffer(tree(), { ...opts, jobs: 0 });
      const b = await writeSquashfsToBuffer(tree(), { ...opts, jobs: 0 });
      const c = await writeSquashfsToBuffer(tree(), { ...opts, pool: pools[0] });
      const d = await writeSquashfsToBuffer(tree(), { ...opts, pool: pools[1] });
      expect(hash(b)).toBe(hash(a));
      expect(hash(c)).toBe(hash(a));
      expect(hash(d)).toBe(hash(a));
      // And the image reads back: duplicates share blocks, the sparse run reads as zeros.
      const img = await openSquashfs(a);
      const big = img.lookup('/big');
      const copy = img.lookup('/copy-of-big');
      expect(big.kind === 'file' && copy.kind === 'file' && big.blocksStart === copy.blocksStart).toBe(true);
      expect(big.kind === 'file' && big.blockSizes[2]).toBe(0);
      expect(hash(img.readFile('/big'))).toBe(hash((tree().children.get('big') as { content: { data: Uint8Array } }).content.data));
      expect(img.superblock.compressionId).toBe({ gzip: 1, xz: 4, zstd: 6 }[comp]);
    });
  }

  it('uses a block cache seam: a warm cache gives the cold bytes without compressing', async () => {
    const store = new Map<string, { data: Uint8Array; compressed: boolean }>();
    let hits = 0;
    const blockCache = {
      get: (k: string) => {
        const v = store.get(k);
        if (v) hits++;
        return v;
      },
      put: (k: string, v: { data: Uint8Array; compressed: boolean }) => void store.set(k, { data: v.data.slice(), compressed: v.compressed }),
    };
    const opts: SquashfsOptions = { comp: 'xz', blockSize: 4096, mkfsTime: 1 };
    const plain = await writeSquashfsToBuffer(tree(), opts);
    const cold = await writeSquashfsToBuffer(tree(), { ...opts, blockCache });
    expect(store.size).toBeGreaterThan(10);
    expect(hits).toBe(0);
    const warm = await writeSquashfsToBuffer(tree(), { ...opts, blockCache });
    expect(hits).toBe(store.size);
    expect(hash(cold)).toBe(hash(plain));
    expect(hash(warm)).toBe(hash(plain));
    // Keys carry the compressor settings and block size: other settings miss.
    hits = 0;
    await writeSquashfsToBuffer(tree(), { ...opts, comp: 'gzip', blockCache });
    expect(hits).toBe(0);
  });

  it('pins the superblock size and layout of an empty image', async () => {
    const img = await writeSquashfsToBuffer({ ...meta, type: 'dir', children: new Map() }, { comp: 'none', mkfsTime: 7 });
    expect(img.length).toBe(4096);
    const dv = new DataView(img.buffer, img.byteOffset);
    expect(dv.getUint32(0, true)).toBe(0x73717368);
    expect(dv.getUint32(4, true)).toBe(1); // one inode: the root
    expect(dv.getUint32(8, true)).toBe(7);
    expect(Number(dv.getBigUint64(64, true))).toBe(96); // inode table right after the 96-byte superblock
  });
});
