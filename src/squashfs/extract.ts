/**
 * Extract an image to a host directory (the `nixwrt unsquashfs` edge; file system I/O only).
 *
 * Nothing is written outside `dest`, and no link the image provides is ever followed:
 * - the tree is built in a new directory beside `dest` (mode 0700 until the end, so no one else
 *   can enter it meanwhile) and renamed onto `dest` once complete; on any failure it is removed;
 * - the reader refuses names that are "/", ".", "..", or hold "/" or NUL, and directories that
 *   list a name twice or out of order, so each path is made exactly once and every directory
 *   on the way is one made here: no path leads through a symlink from the image;
 * - and each call is one that neither follows nor replaces a link anyway: mkdir, symlink, link
 *   and mknod fail on an existing name, files are opened O_CREAT|O_EXCL|O_NOFOLLOW and changed
 *   through the descriptor, directories are reopened O_DIRECTORY|O_NOFOLLOW for theirs, and
 *   symlinks and nodes get lchown, lutimes and lsetxattr.
 * Attributes are set as unsquashfs 4.5.1 sets them: time, owner (as root; otherwise setuid and
 * setgid are dropped), mode, then xattrs (after chown, which would clear security.capability);
 * directories last, deepest first. Names and link targets stay bytes (Buffer paths). Files the
 * image marks sparse (extended inodes with a sparse count) get holes, the others zeros, as
 * unsquashfs writes them. Devices need root; without it they are skipped and reported.
 */
import { constants } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readdir, rename, rm, symlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isNixwrtError } from '../errors.js';
import { tempPathFor } from '../util/atomic-write.js';
import { SquashfsError } from './errors.js';
import { makeNode, setXattrs } from './host-nodes.js';
import type { ReadInode, SquashfsImage } from './reader.js';

export interface ExtractResult {
  /** Entries in the image (the root included). */
  entries: number;
  /** "path name" of each xattr the host refused (not root, or no support); a warning. */
  xattrsNotSet: string[];
  /** Paths not created: devices (and their hard links) without root, as unsquashfs skips them. */
  notCreated: string[];
}

const CREATE = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;
const REOPEN_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** `dest` may be absent or an empty directory (which the tree replaces); nothing else. */
async function checkDest(dest: string): Promise<void> {
  const st = await lstat(dest).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new SquashfsError('bad-output', `${dest}: ${err.message}`, { cause: err });
  });
  if (st === undefined) return;
  if (!st.isDirectory()) throw new SquashfsError('bad-output', `${dest} exists and is not a directory`);
  if ((await readdir(dest)).length > 0) throw new SquashfsError('bad-output', `${dest} is not empty (extract into a new or empty directory)`);
}

/** Write a file's blocks at their offsets: holes are skipped when `sparse`, else written as zeros. */
async function writeContents(img: SquashfsImage, fh: FileHandle, inode: Extract<ReadInode, { kind: 'file' }>): Promise<void> {
  const sparse = inode.sparse > 0;
  let pos = 0;
  let zeros: Uint8Array | undefined;
  for (const block of img.fileBlocks(inode)) {
    let data: Uint8Array;
    if (typeof block === 'number') {
      if (sparse) {
        pos += block;
        continue;
      }
      zeros = zeros && zeros.length >= block ? zeros : new Uint8Array(block);
      data = zeros.subarray(0, block);
    } else {
      data = block;
    }
    for (let off = 0; off < data.length; ) {
      const { bytesWritten } = await fh.write(data, off, data.length - off, pos);
      off += bytesWritten;
      pos += bytesWritten;
    }
  }
  // A hole at the end was skipped, not written: truncate sets the size (a no-op otherwise).
  if (sparse) await fh.truncate(inode.fileSize);
}

export async function extractSquashfs(img: SquashfsImage, dest: string): Promise<ExtractResult> {
  const isRoot = process.getuid?.() === 0;
  // As unsquashfs: without root, the owner stays ours and setuid/setgid are dropped.
  const modeOf = (inode: ReadInode) => (isRoot ? inode.mode : inode.mode & ~0o6000);
  await checkDest(dest);
  await mkdir(dirname(dest), { recursive: true });
  const tmp = tempPathFor(dest);
  await mkdir(tmp, { mode: 0o700 });
  const top = Buffer.from(tmp);
  const result: ExtractResult = { entries: 0, xattrsNotSet: [], notCreated: [] };
  const dirs: Array<{ at: Buffer; path: string; inode: ReadInode }> = [];
  /** Hard links: the first path made for each inode with more than one link. */
  const linked = new Map<number, Buffer>();
  const skipped = new Set<number>();
  let where = '/';
  const xattrs = (at: Buffer, path: string, inode: ReadInode) => {
    for (const n of setXattrs(at, img.xattrs(inode))) result.xattrsNotSet.push(`${path} ${n}`);
  };
  try {
    for (const { path, pathBytes, inode } of img.walk()) {
      where = path;
      const at = path === '/' ? top : Buffer.concat([top, pathBytes]);
      result.entries++;
      if (inode.nlink > 1 && inode.kind !== 'dir') {
        const first = linked.get(inode.inodeNumber);
        if (first !== undefined) {
          await link(first, at);
          continue;
        }
        if (skipped.has(inode.inodeNumber)) {
          result.notCreated.push(path);
          continue;
        }
      }
      switch (inode.kind) {
        case 'dir':
          if (path !== '/') await mkdir(at, { mode: 0o700 });
          dirs.push({ at, path, inode });
          continue;
        case 'file': {
          const fh = await open(at, CREATE, 0o600);
          try {
            await writeContents(img, fh, inode);
            await fh.utimes(inode.mtime, inode.mtime);
            if (isRoot) await fh.chown(inode.uid, inode.gid);
            await fh.chmod(modeOf(inode));
          } finally {
            await fh.close();
          }
          xattrs(at, path, inode);
          break;
        }
        case 'symlink':
          await symlink(Buffer.from(inode.targetBytes), at);
          await lutimes(at, inode.mtime, inode.mtime);
          xattrs(at, path, inode);
          if (isRoot) await lchown(at, inode.uid, inode.gid);
          break;
        case 'char':
        case 'block':
        case 'fifo':
        case 'socket':
          if (!isRoot && (inode.kind === 'char' || inode.kind === 'block')) {
            result.notCreated.push(path);
            skipped.add(inode.inodeNumber);
            continue;
          }
          makeNode(at, inode.kind, 'major' in inode ? inode.major : 0, 'minor' in inode ? inode.minor : 0);
          await lutimes(at, inode.mtime, inode.mtime);
          if (isRoot) await lchown(at, inode.uid, inode.gid);
          // chmod follows a link, but `at` is the node just made: nothing can have replaced it.
          await chmod(at, modeOf(inode));
          xattrs(at, path, inode);
          break;
      }
      if (inode.nlink > 1) linked.set(inode.inodeNumber, at);
    }
    // Directories last, deepest first, so writing into them worked whatever their modes.
    for (const d of dirs.reverse()) {
      where = d.path;
      const fh = await open(d.at, REOPEN_DIR);
      try {
        await fh.utimes(d.inode.mtime, d.inode.mtime);
        if (isRoot) await fh.chown(d.inode.uid, d.inode.gid);
        await fh.chmod(modeOf(d.inode));
      } finally {
        await fh.close();
      }
      xattrs(d.at, d.path, d.inode);
    }
    where = '/';
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(async () => {
      // Not root and a directory already without write or search permission: give it back.
      for (const d of dirs) await chmod(d.at, 0o700).catch(() => undefined);
      await rm(tmp, { recursive: true, force: true });
    });
    if (isNixwrtError(err)) throw err;
    throw new SquashfsError('extract-failed', `extracting ${where} to ${dest}: ${(err as Error).message}`, { cause: err });
  }
  return result;
}
