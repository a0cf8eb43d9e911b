import type { DirNode } from '../rootfs/tree.js';

/** Add (or replace) a root-owned regular file in a rootfs tree, creating parent directories. */
export function addFile(root: DirNode, path: string[], data: Uint8Array, mtime: number, mode = 0o444): void {
  let dir = root;
  for (const name of path.slice(0, -1)) {
    let next = dir.children.get(name);
    if (!next) {
      next = { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime, children: new Map() };
      dir.children.set(name, next);
    }
    if (next.type !== 'dir') throw new Error(`/${path.join('/')}: ${name} is not a directory`);
    dir = next;
  }
  dir.children.set(path[path.length - 1]!, { type: 'file', mode, uid: 0, gid: 0, mtime, content: { kind: 'bytes', data } });
}
