/**
 * NAR wire format, shared by reader and writer so the two can never disagree.
 * Every string is a u64-LE length, the bytes, and zero padding to a multiple of 8.
 * Grammar: "nix-archive-1" node; node = "(" "type" ( "regular" ["executable" ""] "contents" BYTES
 *   | "symlink" "target" STR | "directory" { "entry" "(" "name" STR "node" node ")" } ) ")".
 */
import { NarError } from '../errors.js';
import { byteLength, byteString, bytesOf, compareByteStrings, isByteString, showByteString } from '../../util/byte-string.js';

export const NAR_MAGIC = 'nix-archive-1';

export const TOKENS = {
  open: '(',
  close: ')',
  type: 'type',
  regular: 'regular',
  executable: 'executable',
  contents: 'contents',
  symlink: 'symlink',
  target: 'target',
  directory: 'directory',
  entry: 'entry',
  name: 'name',
  node: 'node',
} as const;

/** Limits that bound what a reader allocates for a hostile NAR. */
export const LIMITS = {
  token: 16, // longest token is "nix-archive-1"
  name: 255, // NAME_MAX on Linux: such a name could not be restored anyway
  target: 4095, // PATH_MAX - 1
  depth: 256,
  /** File contents are streamed, never buffered; a length must still be a safe integer. */
  contents: Number.MAX_SAFE_INTEGER,
} as const;

export function padding(len: number): number {
  return (8 - (len % 8)) % 8;
}

export function encodeU64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, n % 0x100000000, true);
  view.setUint32(4, Math.floor(n / 0x100000000), true);
  return out;
}

/** Read a u64-LE as a number, or -1 when it exceeds 2^53 - 1. */
export function decodeU64(b: Uint8Array): number {
  const view = new DataView(b.buffer, b.byteOffset, 8);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  return hi >= 0x200000 ? -1 : hi * 0x100000000 + lo;
}

/** Length, bytes and padding of one string (a byte string: src/util/byte-string.ts) as a single buffer. */
export function encodeString(s: string | Uint8Array): Uint8Array {
  const bytes = typeof s === 'string' ? bytesOf(s) : s;
  const out = new Uint8Array(8 + bytes.length + padding(bytes.length));
  out.set(encodeU64(bytes.length), 0);
  out.set(bytes, 8);
  return out;
}

/**
 * An entry name or symlink target as a byte string. Nix takes any bytes there (but NUL and, in
 * names, "/"), so names that are not UTF-8 are kept, not refused or replaced.
 */
export function decodeName(bytes: Uint8Array): string {
  return byteString(bytes);
}

/** Byte-wise order of names, the order Nix sorts directory entries in. */
export function compareNames(a: string, b: string): number {
  return compareByteStrings(a, b);
}

/** Reject names Nix rejects, and names out of order after `prev` in the same directory. */
export function checkEntryName(name: string, prev: string | null, where: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || !isByteString(name)) {
    throw new NarError('bad-name', `${where}: invalid entry name ${JSON.stringify(showByteString(name))}`);
  }
  if (byteLength(name) > LIMITS.name) throw new NarError('too-long', `${where}: entry name longer than ${LIMITS.name} bytes`);
  if (prev !== null) {
    const c = compareNames(prev, name);
    if (c === 0) throw new NarError('duplicate', `${where}: duplicate entry ${JSON.stringify(name)}`);
    if (c > 0) throw new NarError('unsorted', `${where}: entry ${JSON.stringify(name)} after ${JSON.stringify(prev)}`);
  }
}

export function checkSymlinkTarget(target: string, where: string): void {
  if (target === '' || target.includes('\0') || !isByteString(target)) throw new NarError('bad-target', `${where}: invalid symlink target ${JSON.stringify(showByteString(target))}`);
  if (byteLength(target) > LIMITS.target) throw new NarError('too-long', `${where}: symlink target longer than ${LIMITS.target} bytes`);
}
