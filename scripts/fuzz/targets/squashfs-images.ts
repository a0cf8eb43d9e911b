/** Small squashfs images from our writer: files in blocks and fragments, links, devices, xattrs, hard links. */
import type { DirNode, TreeNode } from '../../../src/rootfs/tree.js';
import { writeSquashfsToBuffer } from '../../../src/squashfs/index.js';

const meta = { mode: 0o755, uid: 0, gid: 0, mtime: 1 };

function fill(n: number, salt: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = salt * 2654435761 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    // Half runs of text, half noise: compressible, but not trivially.
    out[i] = i % 8 < 4 ? 0x61 + (i % 26) : x & 0xff;
  }
  return out;
}

function tree(): DirNode {
  const file = (n: number, salt: number): TreeNode => ({ ...meta, mode: 0o644, type: 'file', content: { kind: 'bytes', data: fill(n, salt) } });
  const shared = file(700, 9);
  return {
    ...meta,
    type: 'dir',
    children: new Map<string, TreeNode>([
      ['bin', { ...meta, type: 'dir', children: new Map<string, TreeNode>([['busybox', file(5000, 1)], ['sh', { ...meta, type: 'symlink', target: 'busybox' }]]) }],
      ['dev', { ...meta, type: 'dir', children: new Map<string, TreeNode>([['null', { ...meta, mode: 0o666, type: 'char', major: 1, minor: 3 }], ['fifo', { ...meta, type: 'fifo' }]]) }],
      ['etc', { ...meta, type: 'dir', children: new Map<string, TreeNode>(Array.from({ length: 6 }, (_, i) => [`f${i}`, file(20 + i * 50, 10 + i)])) }],
      ['hard1', shared],
      ['hard2', shared],
      ['sparse', { ...meta, type: 'file', content: { kind: 'bytes', data: new Uint8Array(4096 * 2 + 10) } }],
      ['x', { ...file(100, 3), xattrs: [['user.note', fill(40, 4)], ['security.selinux', new TextEncoder().encode('system_u:object_r:bin_t')]] }],
    ]),
  };
}

export async function squashfsSeeds(): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const comp of ['none', 'gzip', 'xz'] as const) out.push(await writeSquashfsToBuffer(tree(), { comp, blockSize: 4096, mkfsTime: 1 }));
  return out;
}
