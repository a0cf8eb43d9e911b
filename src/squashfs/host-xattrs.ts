/**
 * A host entry's extended attributes (llistxattr/lgetxattr from libc through koffi: Node has no
 * xattr API), in the order the file system lists them, as mksquashfs reads them. Without koffi
 * or libc's calls, entries read as having none.
 */
import { loadKoffi } from '../util/koffi.js';
import type { Xattrs } from './xattrs.js';

type Fn = (...args: unknown[]) => number;
interface Koffi {
  load(name: string): { func(sig: string): Fn };
}

let calls: { list: Fn; get: Fn; set: Fn } | null | undefined;

function libc(): { list: Fn; get: Fn; set: Fn } | null {
  if (calls !== undefined) return calls;
  try {
    const c = loadKoffi<Koffi>().load('libc.so.6');
    calls = {
      list: c.func('long llistxattr(const char *path, _Out_ uint8_t *list, size_t size)'),
      get: c.func('long lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)'),
      set: c.func('int lsetxattr(const char *path, const char *name, const uint8_t *value, size_t size, int flags)'),
    };
  } catch {
    calls = null;
  }
  return calls;
}

/** `path`'s xattrs (not following a symlink); empty when it has none or they cannot be read. */
export function readHostXattrs(path: string): Xattrs {
  const c = libc();
  if (!c) return [];
  // Sized calls first; a list or value that grows in between is read again (ERANGE).
  for (let attempt = 0; attempt < 4; attempt++) {
    const size = c.list(path, null, 0);
    if (size <= 0) return [];
    const buf = new Uint8Array(size);
    const got = c.list(path, buf, size);
    if (got < 0) continue;
    const out: Array<readonly [string, Uint8Array]> = [];
    // Names as UTF-8 (koffi passes strings back as UTF-8, so valid names round-trip).
    const names = Buffer.from(buf.buffer, 0, got).toString('utf8').split('\0').filter((n) => n !== '');
    for (const name of names) {
      const value = readValue(c, path, name);
      if (value) out.push([name, value]);
    }
    return out;
  }
  return [];
}

function readValue(c: { get: Fn }, path: string, name: string): Uint8Array | null {
  for (let attempt = 0; attempt < 4; attempt++) {
    const size = c.get(path, name, null, 0);
    if (size < 0) return null;
    const buf = new Uint8Array(size);
    const got = size === 0 ? 0 : c.get(path, name, buf, size);
    if (got >= 0) return buf.subarray(0, got);
  }
  return null;
}
