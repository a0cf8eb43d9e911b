/**
 * The two calls the extractor needs that Node lacks, on byte paths (names need not be UTF-8):
 * mknod(2) for devices, fifos and sockets (unsquashfs 4.5 makes all four with mknod, sockets as
 * S_IFSOCK nodes) and lsetxattr(2). Both come from libc through koffi; without it, fifos and
 * devices fall back to the mknod tool (UTF-8 paths only) and sockets and xattrs are not made.
 */
import { execFileSync } from 'node:child_process';
import { constants } from 'node:os';
import { loadKoffi } from '../util/koffi.js';
import type { Xattrs } from './xattrs.js';
import { bytesOf } from '../util/byte-string.js';

type Fn = (...args: unknown[]) => number;
interface Koffi {
  load(name: string): { func(sig: string): Fn };
  decode(ptr: unknown, type: string): number;
}

let calls: { mknod: Fn; setxattr: Fn; errno: () => number } | null | undefined;

function libc(): typeof calls {
  if (calls !== undefined) return calls;
  try {
    const k = loadKoffi<Koffi>();
    const c = k.load('libc.so.6');
    // glibc 2.33+ exports mknod itself (older ones only a versioned wrapper: the tool fallback).
    const mknod = c.func('int mknod(const uint8_t *path, uint32_t mode, uint64_t dev)');
    const loc = c.func('int *__errno_location()') as unknown as () => unknown;
    calls = {
      mknod,
      setxattr: c.func('int lsetxattr(const uint8_t *path, const uint8_t *name, const uint8_t *value, size_t size, int flags)'),
      errno: () => k.decode(loc(), 'int'),
    };
  } catch {
    calls = null;
  }
  return calls;
}

const cPath = (p: Buffer): Buffer => Buffer.concat([p, Buffer.from([0])]);

const errnoName = (n: number): string => Object.entries(constants.errno).find(([, v]) => v === n)?.[0] ?? `errno ${n}`;

/** An error shaped as Node's fs errors are (`code` = the errno name). */
function sysError(call: string, errno: number, path: Buffer): NodeJS.ErrnoException {
  const code = errnoName(errno);
  const e: NodeJS.ErrnoException = new Error(`${code}: ${call} '${path.toString()}'`);
  e.code = code;
  e.errno = -errno;
  e.syscall = call;
  return e;
}

const S_IF = { char: 0o020000, block: 0o060000, fifo: 0o010000, socket: 0o140000 } as const;

/** glibc's makedev: 12+ bits of major, 20 of minor, as the kernel's new_encode_dev spreads them. */
function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major >>> 0);
  const mi = BigInt(minor >>> 0);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

/**
 * Make a device, fifo or socket at `path` (which must not exist: mknod never follows or replaces
 * anything), mode 0600 until the caller sets the real one. Throws an fs-style error.
 */
export function makeNode(path: Buffer, kind: keyof typeof S_IF, major = 0, minor = 0): void {
  const c = libc();
  if (c) {
    if (c.mknod(cPath(path), S_IF[kind] | 0o600, makedev(major, minor)) !== 0) throw sysError('mknod', c.errno(), path);
    return;
  }
  const p = path.toString();
  if (kind === 'socket' || !Buffer.from(p).equals(path)) throw sysError('mknod', constants.errno.ENOSYS, path);
  execFileSync('mknod', ['-m', '600', p, ...(kind === 'fifo' ? ['p'] : [kind === 'char' ? 'c' : 'b', String(major), String(minor)])]);
}

/**
 * Set `xattrs` on `path` (not following a symlink). Returns the names that could not be set
 * (trusted. and security. need root; some file systems take none), or all of them without koffi.
 */
export function setXattrs(path: Buffer, xattrs: Xattrs): string[] {
  const c = libc();
  if (!c) return xattrs.map(([n]) => n);
  const p = cPath(path);
  // Names are byte strings (src/util/byte-string.ts): set them as the bytes they stand for.
  return xattrs.filter(([name, value]) => c.setxattr(p, cPath(bytesOf(name)), value, value.length, 0) !== 0).map(([n]) => n);
}
