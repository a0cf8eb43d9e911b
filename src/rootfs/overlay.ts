/**
 * Overlays: extra files laid over the generated rootfs, from a host directory or a tarball
 * (as OpenWrt's FILES=). Modes are kept, owners become root, times the fixed build time.
 * Directory overlays point at the host files (read when the image is written); tarballs are
 * read into memory (plain, gzip or xz), so they can also carry device nodes.
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { byteString, compareByteStrings, fsPath } from '../util/byte-string.js';
import { RootfsError } from './errors.js';
import type { TreeNode } from './tree.js';

/** One overlay entry: an absolute rootfs path and its node (directories without children). */
export interface OverlayEntry {
  path: string;
  node: TreeNode;
}

export async function overlayFromDir(dir: string, mtime: number): Promise<OverlayEntry[]> {
  const out: OverlayEntry[] = [];
  const walk = async (host: string, rel: string): Promise<void> => {
    let names: string[];
    try {
      // Names are bytes (src/util/byte-string.ts), in byte order as mksquashfs sorts them.
      names = (await readdir(fsPath(host), { encoding: 'buffer' })).map(byteString).sort(compareByteStrings);
    } catch (err) {
      throw new RootfsError('overlay-unreadable', `overlay ${dir}: cannot read ${host} (${(err as Error).message})`, { cause: err });
    }
    for (const name of names) {
      const p = join(host, name);
      const st = await lstat(fsPath(p));
      const path = `${rel}/${name}`;
      const meta = { mode: st.mode & 0o7777, uid: 0, gid: 0, mtime };
      if (st.isDirectory()) {
        out.push({ path, node: { ...meta, type: 'dir', children: new Map() } });
        await walk(p, path);
      } else if (st.isFile()) {
        out.push({ path, node: { ...meta, type: 'file', content: { kind: 'host-file', path: p, size: st.size } } });
      } else if (st.isSymbolicLink()) {
        out.push({ path, node: { ...meta, mode: 0o777, type: 'symlink', target: byteString(await readlink(fsPath(p), { encoding: 'buffer' })) } });
      } else {
        throw new RootfsError('overlay-unsupported', `overlay ${dir}: ${path} is not a file, directory or symlink (put device nodes in a tarball overlay)`);
      }
    }
  };
  await walk(dir, '');
  return out;
}

export async function overlayFromTarball(file: string, mtime: number): Promise<OverlayEntry[]> {
  const out: OverlayEntry[] = [];
  const files = new Map<string, Uint8Array>();
  try {
    // tar-stream is loaded only for tarball overlays (it costs start-up time on every build).
    const { extract } = await import('tar-stream');
    const head = await firstBytes(file, 6);
    let input: Readable = createReadStream(file);
    if (head[0] === 0x1f && head[1] === 0x8b) input = input.pipe(createGunzip());
    else if (Buffer.from(head).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) {
      const lzma = createRequire(import.meta.url)('lzma-native') as { createDecompressor(): Duplex };
      input = input.pipe(lzma.createDecompressor());
    }
    const ex = extract();
    input.on('error', (e) => ex.destroy(e));
    input.pipe(ex);
    for await (const entry of ex) {
      const h = entry.header;
      const path = tarPath(h.name, file);
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      if (path === '') continue; // the archive's "./"
      const meta = { mode: (h.mode ?? 0o644) & 0o7777, uid: 0, gid: 0, mtime };
      switch (h.type) {
        case 'file':
        case 'contiguous-file': {
          const data = new Uint8Array(Buffer.concat(chunks));
          files.set(path, data);
          out.push({ path, node: { ...meta, type: 'file', content: { kind: 'bytes', data } } });
          break;
        }
        case 'link': {
          const data = files.get(tarPath(h.linkname ?? '', file));
          if (!data) throw new RootfsError('overlay-unsupported', `overlay ${file}: hard link ${path} to an entry not seen before`);
          out.push({ path, node: { ...meta, type: 'file', content: { kind: 'bytes', data } } });
          break;
        }
        case 'directory':
          out.push({ path, node: { ...meta, type: 'dir', children: new Map() } });
          break;
        case 'symlink':
          out.push({ path, node: { ...meta, mode: 0o777, type: 'symlink', target: h.linkname ?? '' } });
          break;
        case 'character-device':
        case 'block-device':
          out.push({ path, node: { ...meta, type: h.type === 'character-device' ? 'char' : 'block', major: h.devmajor ?? 0, minor: h.devminor ?? 0 } });
          break;
        case 'fifo':
          out.push({ path, node: { ...meta, type: 'fifo' } });
          break;
        default:
          throw new RootfsError('overlay-unsupported', `overlay ${file}: ${path}: unsupported tar entry type ${String(h.type)}`);
      }
    }
  } catch (err) {
    if (err instanceof RootfsError) throw err;
    throw new RootfsError('overlay-unreadable', `overlay ${file}: ${(err as Error).message}`, { cause: err });
  }
  return out;
}

/** A tar member name as an absolute rootfs path ('' for the root itself); no '..'. */
function tarPath(name: string, file: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new RootfsError('overlay-unsupported', `overlay ${file}: member '${name}' leaves the root`);
  return parts.length ? '/' + parts.join('/') : '';
}

async function firstBytes(file: string, n: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const c of createReadStream(file, { start: 0, end: n - 1 })) {
    chunks.push(c as Buffer);
    got += (c as Buffer).length;
  }
  return new Uint8Array(Buffer.concat(chunks, got));
}
