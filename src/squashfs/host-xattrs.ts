/**
 * A host entry's extended attributes (llistxattr/lgetxattr from libc through koffi: Node has no
 * xattr API), in the order the file system lists them, as mksquashfs reads them. Without koffi
 * or libc's calls, entries read as having none.
 */
import { loadKoffi } from '../util/koffi.js';
import type { Xattrs } from './xattrs.js';
import { byteString, fsPath } from '../util/byte-string.js';

/** A byte string as a C string: as is (koffi passes it as UTF-8), or its bytes NUL-terminated. */
function cString(s: string): string | Buffer {
  const b = fsPath(s);
  return typeof b === 'string' ? b : Buffer.concat([b, Buffer.alloc(1)]);
}

type Fn = (...args: unknown[]) => number;
interface Koffi {
  load(name: string): { func(sig: string): Fn };
}

let calls: { list: Fn; get: Fn } | null | undefined;

function libc(): { list: Fn; get: Fn } | null {
  if (calls !== undefined) return calls;
  try {
    const c = loadKoffi<Koffi>().load('libc.so.6');
    calls = {
      list: c.func('long llistxattr(const char *path, _Out_ uint8_t *list, size_t size)'),
      get: c.func('long lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)'),
    };
  } catch {
    calls = null;
  }
  return calls;
}

/**
 * `path`'s xattrs (not following a symlink); empty when it has none or they cannot be read.
 * `path` and the names are byte strings (src/util/byte-string.ts).
 */
export function readHostXattrs(hostPath: string): Xattrs {
  const c = libc();
  if (!c) return [];
  const path = cString(hostPath);
  // Sized calls first; a list or value that grows in between is read again (ERANGE).
  for (let attempt = 0; attempt < 4; attempt++) {
    const size = c.list(path, null, 0);
    if (size <= 0) return [];
    const buf = new Uint8Array(size);
    const got = c.list(path, buf, size);
    if (got < 0) continue;
    const out: Array<readonly [string, Uint8Array]> = [];
    // Names are NUL-terminated bytes, any bytes.
    const names: string[] = [];
    for (let at = 0; at < got; ) {
      let end = buf.indexOf(0, at);
      if (end < 0) end = got;
      if (end > at) names.push(byteString(buf.subarray(at, end)));
      at = end + 1;
    }
    for (const name of names) {
      const value = readValue(c, path, cString(name));
      if (value) out.push([name, value]);
    }
    return out;
  }
  return [];
}

function readValue(c: { get: Fn }, path: string | Buffer, name: string | Buffer): Uint8Array | null {
  for (let attempt = 0; attempt < 4; attempt++) {
    const size = c.get(path, name, null, 0);
    if (size < 0) return null;
    const buf = new Uint8Array(size);
    const got = size === 0 ? 0 : c.get(path, name, buf, size);
    if (got >= 0) return buf.subarray(0, got);
  }
  return null;
}
