/** Compare trees as manifests: path → type, mode, owner, size, content hash, target, device. */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { SquashfsImage } from '../../src/squashfs/index.js';

export type Manifest = Record<string, string>;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 16);

/** Manifest of a host directory (what unsquashfs extracted). */
export function hostManifest(root: string, opts: { times?: boolean } = {}): Manifest {
  const out: Manifest = {};
  const visit = (rel: string) => {
    const p = rel === '' ? root : join(root, rel);
    const st = lstatSync(p);
    const key = rel === '' ? '/' : `/${rel}`;
    const base = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}${opts.times ? ` t${Math.floor(st.mtimeMs / 1000)}` : ''}`;
    if (st.isDirectory()) {
      out[key] = `dir ${base}`;
      for (const n of readdirSync(p)) visit(rel === '' ? n : `${rel}/${n}`);
    } else if (st.isFile()) out[key] = `file ${base} ${st.size} ${sha(readFileSync(p))}`;
    else if (st.isSymbolicLink()) out[key] = `symlink ${readlinkSync(p)}`;
    else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const rdev = Number(st.rdev);
      const major = (rdev >>> 8) & 0xfff;
      const minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
      out[key] = `${st.isCharacterDevice() ? 'char' : 'block'} ${base} ${major},${minor}`;
    } else if (st.isFIFO()) out[key] = `fifo ${base}`;
  };
  visit('');
  return out;
}

/** Manifest of an image through our reader (sockets left out, as hostManifest leaves them). */
export function imageManifest(img: SquashfsImage, opts: { times?: boolean } = {}): Manifest {
  const out: Manifest = {};
  for (const { path, inode } of img.walk()) {
    const base = `${inode.mode.toString(8)} ${inode.uid}:${inode.gid}${opts.times ? ` t${inode.mtime}` : ''}`;
    switch (inode.kind) {
      case 'dir':
        out[path] = `dir ${base}`;
        break;
      case 'file':
        out[path] = `file ${base} ${inode.fileSize} ${sha(img.readFile(inode))}`;
        break;
      case 'symlink':
        out[path] = `symlink ${inode.target}`;
        break;
      case 'char':
      case 'block':
        out[path] = `${inode.kind} ${base} ${inode.major},${inode.minor}`;
        break;
      case 'fifo':
        out[path] = `fifo ${base}`;
        break;
      case 'socket':
        break;
    }
  }
  return out;
}
