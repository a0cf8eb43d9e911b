import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeDigests, encodeDigests } from '../../src/squashfs/digests.js';
import { formatHashNix32 } from '../../src/nix/hash.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { DirNode, TreeNode } from '../../src/rootfs/tree.js';
import { createPool } from '../../src/workers/pool.js';
import { openSquashfs, writeSquashfsToBuffer, type BlockCache, type SquashfsOptions } from '../../src/squashfs/index.js';
import { sysLibs } from '../../src/squashfs/syslib.js';
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
  let workerStarts = 0;
  const pools = [createPool({ threads: 1, onStart: () => workerStarts++ }), createPool({ threads: 2, onStart: () => workerStarts++ })];
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
      // With the system libraries, blocks compress on libuv's pool: no worker thread starts.
      if (sysLibs()) expect(workerStarts).toBe(0);
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

  it('keys NAR contents on their digests: a warm build reads no file, a changed file misses only its blocks', async () => {
    // A pretend NAR: the tree's file contents are slices of one host file named by a NAR hash.
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-digests-'));
    const nar = join(dir, 'x.nar');
    const bs = 4096;
    const parts = [mixed(3 * bs + 100, 'a'), new Uint8Array(2 * bs + 5), mixed(700, 'c'), mixed(900, 'd'), mixed(3 * bs + 100, 'a')];
    let at = 64;
    const slices = parts.map((p) => {
      const s = { offset: at, size: p.length };
      at += p.length + 8;
      return s;
    });
    const bytes = new Uint8Array(at);
    parts.forEach((p, i) => bytes.set(p, slices[i]!.offset));
    writeFileSync(nar, bytes);
    // The real hash: NAR bytes are proven against it before use (src/nix/nar-proof.ts).
    const narHashOf = (b: Uint8Array) => formatHashNix32({ algo: 'sha256', digest: createHash('sha256').update(b).digest() });
    const one = narHashOf(bytes);
    const narTree = (narHash: string | undefined): DirNode => ({
      ...meta,
      type: 'dir',
      children: new Map(slices.map((s, i) => [`f${i}`, { ...meta, type: 'file', content: { kind: 'nar-slice', narPath: nar, ...s, ...(narHash ? { narHash } : {}) } } as TreeNode])),
    });
    const blocks = new Map<string, { data: Uint8Array; compressed: boolean }>();
    const digestStore = new Map<string, ReadonlyMap<number, Uint8Array[]>>();
    let misses = 0;
    const meta = new Map<string, Uint8Array>();
    let metaHits = 0;
    const blockCache: BlockCache = {
      get: (k) => {
        const v = blocks.get(k);
        if (!v) misses++;
        return v;
      },
      put: (k, v) => void blocks.set(k, { data: v.data.slice(), compressed: v.compressed }),
      metadata: {
        get: (k) => {
          const v = meta.get(k);
          if (v) metaHits++;
          return v;
        },
        put: (k, v) => void meta.set(k, v.slice()),
      },
      digests: {
        get: (h, size) => (digestStore.has(`${h}/${size}`) ? new Map(digestStore.get(`${h}/${size}`)) : undefined),
        put: (h, size, d) => void digestStore.set(`${h}/${size}`, new Map(d)),
      },
    };
    const opts: SquashfsOptions = { comp: 'xz', blockSize: bs, mkfsTime: 1 };
    const plain = await writeSquashfsToBuffer(narTree(undefined), opts);
    const cold = await writeSquashfsToBuffer(narTree(one), { ...opts, blockCache });
    expect(hash(cold)).toBe(hash(plain));
    expect(digestStore.size).toBe(1);
    // f4 duplicates f0, f1 is all zeros: stored once and sparse, as without the cache.
    const img = await openSquashfs(cold);
    const [f0, f1, f4] = ['/f0', '/f1', '/f4'].map((p) => img.lookup(p));
    expect(f0!.kind === 'file' && f4!.kind === 'file' && f0.blocksStart === f4.blocksStart).toBe(true);
    expect(f1!.kind === 'file' && f1.blockSizes).toEqual([0, 0, 0]);
    expect(Buffer.from(img.readFile('/f2'))).toEqual(Buffer.from(parts[2]!));

    // Warm: the NAR is gone, so any read would fail; the image is the same.
    rmSync(nar);
    misses = 0;
    const warm = await writeSquashfsToBuffer(narTree(one), { ...opts, blockCache });
    expect(misses).toBe(0);
    expect(metaHits).toBe(meta.size);
    expect(hash(warm)).toBe(hash(plain));

    // One small file changed (another NAR): only its fragment misses and is read.
    const changed = mixed(700, 'C');
    const bytes2 = Uint8Array.from(bytes);
    bytes2.set(changed, slices[2]!.offset);
    writeFileSync(nar, bytes2);
    misses = 0;
    const edited = await writeSquashfsToBuffer(narTree(narHashOf(bytes2)), { ...opts, blockCache });
    expect(misses).toBe(1);
    const plain2 = await writeSquashfsToBuffer(narTree(undefined), opts);
    expect(hash(edited)).toBe(hash(plain2));
  });

  it('encodes NAR block digests and rejects damaged encodings', () => {
    const d = new Map([
      [10, [createHash('sha256').update('a').digest()]],
      [3, [createHash('sha256').update('b').digest(), createHash('sha256').update('c').digest()]],
    ]);
    const enc = encodeDigests(d);
    expect([...decodeDigests(enc)!].map(([k, v]) => [k, v.map((x) => Buffer.from(x).toString('hex'))])).toEqual(
      [...d].sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, v.map((x) => x.toString('hex'))]),
    );
    expect(decodeDigests(enc.subarray(0, enc.length - 1))).toBeUndefined();
    expect(decodeDigests(Buffer.concat([enc, Buffer.from([0])]))).toBeUndefined();
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
