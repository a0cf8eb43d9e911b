import { describe, expect, it } from 'vitest';
import type { DirNode, TreeNode } from '../../src/rootfs/tree.js';
import { openSquashfs, SquashfsError, writeSquashfsToBuffer } from '../../src/squashfs/index.js';
import { mixed } from './trees.js';

const meta = { mode: 0o755, uid: 0, gid: 0, mtime: 1 };
function sample(): DirNode {
  const file = (n: number, seed: string): TreeNode => ({ ...meta, type: 'file', content: { kind: 'bytes', data: mixed(n, seed) } });
  const sub = new Map<string, TreeNode>(Array.from({ length: 30 }, (_, i) => [`f${i}`, file(50 + i * 31, `s${i}`)]));
  return {
    ...meta,
    type: 'dir',
    children: new Map<string, TreeNode>([
      ['a', { ...meta, type: 'dir', children: sub }],
      ['big', { ...file(9000, 'big'), xattrs: [['user.long', mixed(300, 'x')], ['security.s', new Uint8Array([1, 2, 3])]] }],
      ['link', { ...meta, type: 'symlink', target: 'big', xattrs: [['trusted.t', mixed(300, 'x')]] }],
      ['dev', { ...meta, type: 'char', major: 1, minor: 3, xattrs: [['security.d', mixed(40, 'y')], ['user.dup', mixed(40, 'y')]] }],
    ]),
  };
}

/** xorshift32: reproducible mutations. */
function rng(seed: number) {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Read everything the reader can reach; it must either work or throw SquashfsError. */
async function readAll(img: Uint8Array): Promise<'ok' | 'error'> {
  try {
    const r = await openSquashfs(img, { maxFileSize: 1 << 20, maxEntries: 10_000 });
    for (const { inode } of r.walk()) {
      if (inode.kind === 'file') r.readFile(inode);
      r.xattrs(inode);
    }
    return 'ok';
  } catch (err) {
    if (err instanceof SquashfsError) return 'error';
    throw err;
  }
}

describe('squashfs reader on corrupt images', () => {
  for (const comp of ['none', 'gzip'] as const) {
    it(`${comp}: 2000 mutated images never crash, hang or throw anything but SquashfsError`, async () => {
      const good = await writeSquashfsToBuffer(sample(), { comp, blockSize: 4096, mkfsTime: 1 });
      expect(await readAll(good)).toBe('ok');
      const used = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(40, true));
      const rand = rng(comp === 'none' ? 12345 : 777);
      const counts = { ok: 0, error: 0 };
      for (let i = 0; i < 2000; i++) {
        const img = good.slice();
        const kind = i % 4;
        if (kind === 0) {
          // Flip a few random bytes anywhere in the used part.
          for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) img[Math.floor(rand() * used)] ^= 1 + Math.floor(rand() * 255);
        } else if (kind === 1) {
          // Forge a superblock field with a random 32-bit value.
          const at = 4 + 4 * Math.floor(rand() * 22);
          new DataView(img.buffer).setUint32(at, Math.floor(rand() * 2 ** 32), true);
        } else if (kind === 2) {
          // Corrupt the tables (the last 30% of the image holds all metadata).
          const from = Math.floor(used * 0.7);
          img[from + Math.floor(rand() * (used - from))] = Math.floor(rand() * 256);
        } else {
          // Truncate.
          counts[await readAll(img.subarray(0, Math.floor(rand() * used)))]++;
          continue;
        }
        counts[await readAll(img)]++;
      }
      expect(counts.ok + counts.error).toBe(2000);
      expect(counts.error).toBeGreaterThan(100);
    });
  }

  it('reports cyclic directories with code "cycle"', async () => {
    // Point a subdirectory's entry at the root inode: a directory reachable twice.
    const img = await writeSquashfsToBuffer(sample(), { comp: 'none', blockSize: 4096, mkfsTime: 1 });
    const r = await openSquashfs(img);
    const root = r.root();
    const a = r.lookup('/a');
    r.close();
    // Rewrite the root's directory header and entry for "a" to the root's own inode position.
    const dv = new DataView(img.buffer);
    const dirStart = Number(dv.getBigUint64(72, true));
    const rootRef = root.ref;
    const aRef = a.ref;
    // The root listing is the last one written; find "a" entry by its inode offset.
    let patched = false;
    for (let p = dirStart + 2; p < img.length - 16; p++) {
      if (dv.getUint16(p, true) === Number(aRef & 0xffffn) && dv.getUint16(p + 4, true) === 1 && img[p + 8] === 0x61 && dv.getUint16(p + 6, true) === 0) {
        dv.setUint16(p, Number(rootRef & 0xffffn), true);
        patched = true;
        break;
      }
    }
    expect(patched).toBe(true);
    const bad = await openSquashfs(img);
    expect(() => [...bad.walk()]).toThrow(expect.objectContaining({ code: 'cycle' }));
  });
});
