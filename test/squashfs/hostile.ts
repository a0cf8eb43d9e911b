/**
 * Hostile images for the extractor: written by our writer with every block raw (comp 'none'),
 * then one name in the directory table overwritten, so a directory lists a name twice or out of
 * order. The names are distinctive, so each occurs exactly once in the directory table.
 */
import type { DirNode, TreeNode } from '../../src/rootfs/tree.js';
import { writeSquashfsToBuffer } from '../../src/squashfs/index.js';

const meta = { mode: 0o755, uid: 0, gid: 0, mtime: 1 };
const file = (text: string): TreeNode => ({ ...meta, mode: 0o644, type: 'file', content: { kind: 'bytes', data: new TextEncoder().encode(text) } });
const dir = (entries: Array<[string, TreeNode]>): TreeNode => ({ ...meta, type: 'dir', children: new Map(entries) });
const link = (target: string): TreeNode => ({ ...meta, mode: 0o777, type: 'symlink', target });

export type HostileKind = 'symlink-then-dir' | 'symlink-then-file' | 'dir-and-file' | 'unsorted' | 'dotdot' | 'slash';

/** Replace the only occurrence of `from` in the directory table with `to` (same length). */
function renameEntry(img: Uint8Array, from: string, to: string): Uint8Array {
  const out = img.slice();
  const dv = new DataView(out.buffer);
  const dirStart = Number(dv.getBigUint64(72, true));
  const dirEnd = Number(dv.getBigUint64(48, true)); // the id table comes after it
  const a = Buffer.from(from);
  const b = Buffer.from(to);
  if (a.length !== b.length) throw new Error('names must have the same length');
  const table = Buffer.from(out.buffer, dirStart, dirEnd - dirStart);
  const at = table.indexOf(a);
  if (at < 0 || table.indexOf(a, at + 1) >= 0) throw new Error(`${from} is not in the directory table exactly once`);
  out.set(b, dirStart + at);
  return out;
}

/**
 * An image holding a file `a-first` and a directory `sub` that lists, in this order:
 * - symlink-then-dir: `evil0` → `target`, then a directory `evil0` holding `payload`;
 * - symlink-then-file: `evil0` → `target`, then a file `evil0`;
 * - dir-and-file: a directory `same0` (holding `inner`), then a file `same0`;
 * - unsorted: `b3` listed before `b2`;
 * - dotdot: a directory named `..` (holding `payload`);
 * - slash: a file named `x/y`.
 * So `a-first` and `sub` are already written when the extractor reads `sub` and meets them.
 */
export async function hostileImage(kind: HostileKind, target = '/tmp/nowhere'): Promise<Uint8Array> {
  const first: [string, TreeNode] = ['a-first', file('written before the bad entry\n')];
  const write = (entries: Array<[string, TreeNode]>) => writeSquashfsToBuffer(dir([first, ['sub', dir(entries)]]) as DirNode, { comp: 'none', mkfsTime: 1, jobs: 0 });
  switch (kind) {
    case 'symlink-then-dir':
      return renameEntry(await write([['evil0', link(target)], ['evil1', dir([['payload', file('pwned\n')]])]]), 'evil1', 'evil0');
    case 'symlink-then-file':
      return renameEntry(await write([['evil0', link(target)], ['evil1', file('pwned\n')]]), 'evil1', 'evil0');
    case 'dir-and-file':
      return renameEntry(await write([['same0', dir([['inner', file('inner\n')]])], ['same1', file('file\n')]]), 'same1', 'same0');
    case 'unsorted':
      return renameEntry(await write([['b1', file('one\n')], ['b2', file('two\n')]]), 'b1', 'b3');
    case 'dotdot':
      return renameEntry(await write([['QQ', dir([['payload', file('pwned\n')]])]]), 'QQ', '..');
    case 'slash':
      return renameEntry(await write([['x_y', file('pwned\n')]]), 'x_y', 'x/y');
  }
}
