/** Extract an image to a host directory (the `nixwrt unsquashfs` edge; file system I/O only). */
import { execFileSync } from 'node:child_process';
import { chmod, chown, link, lutimes, mkdir, open, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { SquashfsImage, ReadInode } from './reader.js';
import { writeHostXattrs } from './host-xattrs.js';

/** `xattrsNotSet`: paths and names of xattrs the host refused (not root, or no support). */
export async function extractSquashfs(img: SquashfsImage, dest: string): Promise<{ entries: number; xattrsNotSet: string[] }> {
  const isRoot = process.getuid?.() === 0;
  const dirs: Array<{ path: string; inode: ReadInode }> = [];
  let entries = 0;
  /** Hard links: the first path extracted for each inode with more than one link. */
  const linked = new Map<number, string>();
  const xattrsNotSet: string[] = [];
  for (const { path, inode } of img.walk()) {
    const target = path === '/' ? dest : join(dest, path);
    entries++;
    if (inode.nlink > 1 && inode.kind !== 'dir' && inode.kind !== 'socket') {
      const first = linked.get(inode.inodeNumber);
      if (first !== undefined) {
        await link(first, target);
        continue;
      }
      linked.set(inode.inodeNumber, target);
    }
    switch (inode.kind) {
      case 'dir':
        await mkdir(target, { recursive: true });
        dirs.push({ path: target, inode });
        for (const n of writeHostXattrs(target, img.xattrs(inode))) xattrsNotSet.push(`${path} ${n}`);
        continue;
      case 'file': {
        const fh = await open(target, 'w');
        try {
          for (const chunk of img.fileChunks(inode)) await fh.write(chunk);
        } finally {
          await fh.close();
        }
        break;
      }
      case 'symlink':
        await symlink(inode.target, target);
        break;
      case 'char':
      case 'block':
        // Node has no mknod(2); the coreutils tool is the portable way.
        execFileSync('mknod', [target, inode.kind === 'char' ? 'c' : 'b', String(inode.major), String(inode.minor)]);
        break;
      case 'fifo':
        execFileSync('mknod', [target, 'p']);
        break;
      case 'socket':
        continue; // as unsquashfs: sockets are not recreated
    }
    if (isRoot) await chown(target, inode.uid, inode.gid).catch(() => undefined);
    const xattrs = img.xattrs(inode);
    if (xattrs.length > 0) for (const n of writeHostXattrs(target, xattrs)) xattrsNotSet.push(`${path} ${n}`);
    if (inode.kind === 'symlink') {
      await lutimes(target, inode.mtime, inode.mtime);
    } else {
      await chmod(target, inode.mode);
      await utimes(target, inode.mtime, inode.mtime);
    }
  }
  // Directory modes and times last, deepest first, so writing into them still works.
  for (const d of dirs.reverse()) {
    if (isRoot) await chown(d.path, d.inode.uid, d.inode.gid).catch(() => undefined);
    await chmod(d.path, d.inode.mode);
    await utimes(d.path, d.inode.mtime, d.inode.mtime);
  }
  return { entries, xattrsNotSet };
}
