/** Build a rootfs tree (src/rootfs/tree.ts) from a directory on the host: for the CLI and tests. */
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import type { DirNode, TreeNode } from '../rootfs/tree.js';
import { byteString, fsPath } from '../util/byte-string.js';
import { SquashfsError } from './errors.js';
import { readHostXattrs } from './host-xattrs.js';

function meta(st: { mode: number; uid: number; gid: number; mtimeMs: number }, path: string, withXattrs: boolean) {
  const xattrs = withXattrs ? readHostXattrs(path) : [];
  return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000), ...(xattrs.length > 0 ? { xattrs } : {}) };
}

/**
 * Scan `dir` recursively (no symlinks followed), with each entry's xattrs unless `xattrs` is
 * false. File contents stay on disk as host-file sources. Names, link targets and paths are
 * byte strings (src/util/byte-string.ts): any bytes a name holds reach the image unchanged.
 * Synchronous calls inside: one lstat per entry from the page cache costs less than a trip
 * through libuv's thread pool and a promise, and nothing else runs during the scan.
 */
export async function treeFromHostDir(dir: string, opts: { xattrs?: boolean } = {}): Promise<DirNode> {
  let st: Stats;
  try {
    st = lstatSync(fsPath(dir));
  } catch (err) {
    throw new SquashfsError('bad-source', `${dir}: ${(err as Error).message}`);
  }
  if (!st.isDirectory()) throw new SquashfsError('bad-source', `${dir} is not a directory`);
  return scanDir(dir, st, new Map(), opts.xattrs ?? true);
}

/**
 * `links` maps a host inode (device, inode number) with more than one link to its node: a hard
 * link within the tree becomes the same node object in both places (one squashfs inode).
 * (mksquashfs matches whole stat buffers, so a symlink whose atime its own readlink() just
 * moved is not matched there; the inode is the same, so here it is.)
 */
function scanDir(path: string, st: Stats, links: Map<string, TreeNode>, xattrs: boolean): DirNode {
  const children = new Map<string, TreeNode>();
  for (const raw of readdirSync(fsPath(path), { encoding: 'buffer' })) {
    const name = byteString(raw);
    const p = `${path}/${name}`;
    const s = lstatSync(fsPath(p));
    const key = s.nlink > 1 && !s.isDirectory() ? `${s.dev}:${s.ino}` : undefined;
    const linked = key === undefined ? undefined : links.get(key);
    if (linked) {
      children.set(name, linked);
      continue;
    }
    const m = meta(s, p, xattrs);
    if (s.isDirectory()) children.set(name, scanDir(p, s, links, xattrs));
    else if (s.isFile()) children.set(name, { ...m, type: 'file', content: { kind: 'host-file', path: p, size: s.size, diskBytes: s.blocks * 512 } });
    else if (s.isSymbolicLink()) children.set(name, { ...m, type: 'symlink', target: byteString(readlinkSync(fsPath(p), { encoding: 'buffer' })) });
    else if (s.isCharacterDevice() || s.isBlockDevice()) {
      const rdev = s.rdev;
      // glibc's dev_t layout: major bits 8..19 (and above 32), minor bits 0..7 and 20..31.
      const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
      const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
      children.set(name, { ...m, type: s.isCharacterDevice() ? 'char' : 'block', major, minor });
    } else if (s.isFIFO()) children.set(name, { ...m, type: 'fifo' });
    else if (s.isSocket()) children.set(name, { ...m, type: 'socket' });
    if (key !== undefined && children.has(name)) links.set(key, children.get(name)!);
  }
  return { ...meta(st, path, xattrs), type: 'dir', children };
}

/** Clamp every mtime to at most `t` (SOURCE_DATE_EPOCH semantics). */
export function clampTimes(node: TreeNode, t: number): void {
  if (node.mtime > t) node.mtime = t;
  if (node.type === 'dir') for (const c of node.children.values()) clampTimes(c, t);
}
