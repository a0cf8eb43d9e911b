/**
 * The first writer stage: validate the tree, sort every directory by name bytes and number
 * the inodes as mksquashfs does (depth-first pre-order from 1, the root last).
 * Hard links: the same non-directory node object in several places is one inode, numbered and
 * written where it is first met in that order, with nlink the number of places (as mksquashfs
 * does for a host inode seen twice). A directory seen twice is a cycle.
 */
import type { DirNode, TreeNode } from '../rootfs/tree.js';
import { MAX_NAME, MAX_SYMLINK } from './format.js';
import { SquashfsError } from './errors.js';
import { bytesOf, isByteString, showByteString } from '../util/byte-string.js';

export interface PNode {
  node: TreeNode;
  name: Uint8Array;
  path: string;
  ino: number;
  /** Sorted children of a directory. */
  children: PNode[];
  /** A hard link: the place where this inode was first met (and is written). */
  linkOf?: PNode;
  /** Places this inode appears in the tree (hard links), when more than one. */
  nlink?: number;
}

/** A name's bytes (names are byte strings: src/util/byte-string.ts). */
function checkName(name: string, parent: string): Uint8Array {
  const b = bytesOf(name);
  if (b.length === 0 || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new SquashfsError('bad-name', `${parent}: invalid entry name ${JSON.stringify(showByteString(name))}`);
  }
  // A stray surrogate would be stored as U+FFFD, another name's bytes perhaps.
  if (!isByteString(name)) throw new SquashfsError('bad-name', `${parent}: entry name ${JSON.stringify(name)} has a lone surrogate that is not an escaped byte`);
  if (b.length > MAX_NAME) throw new SquashfsError('bad-name', `${parent}/${showByteString(name.slice(0, 40))}...: name is ${b.length} bytes, over ${MAX_NAME}`);
  return b;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function prepareTree(root: DirNode): { root: PNode; count: number; order: PNode[] } {
  let next = 1;
  /** Pre-order list of every node except the root (data is written in this order). */
  const order: PNode[] = [];
  const seen = new Set<TreeNode>();
  const linkable = new Map<TreeNode, PNode>();
  const visit = (p: PNode, depth: number) => {
    if (p.node.type === 'dir') {
      if (seen.has(p.node)) throw new SquashfsError('cycle', `${p.path}: the tree contains the same directory twice`);
      seen.add(p.node);
    }
    if (p.node.type === 'symlink') {
      if (!isByteString(p.node.target)) throw new SquashfsError('bad-name', `${p.path}: symlink target has a lone surrogate that is not an escaped byte`);
      const len = bytesOf(p.node.target).length;
      if (len > MAX_SYMLINK) throw new SquashfsError('too-large', `${p.path}: symlink target is ${len} bytes, over ${MAX_SYMLINK}`);
    }
    if (p.node.type !== 'dir') return;
    const kids: PNode[] = [];
    for (const [name, node] of p.node.children) {
      kids.push({ node, name: checkName(name, p.path || '/'), path: `${p.path}/${name}`, ino: 0, children: [] });
    }
    kids.sort((a, b) => compareBytes(a.name, b.name));
    p.children = kids;
    for (const k of kids) {
      const first = k.node.type === 'dir' ? undefined : linkable.get(k.node);
      if (first) {
        k.ino = first.ino;
        k.linkOf = first;
        first.nlink = (first.nlink ?? 1) + 1;
        continue;
      }
      if (k.node.type !== 'dir') linkable.set(k.node, k);
      k.ino = next++;
      order.push(k);
      visit(k, depth + 1);
    }
  };
  const top: PNode = { node: root, name: new Uint8Array(0), path: '', ino: 0, children: [] };
  visit(top, 0);
  top.ino = next;
  return { root: top, count: next, order };
}
