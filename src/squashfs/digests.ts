/**
 * Block digests: the SHA-256 of each block of a file's contents (the last may be short). With
 * a block cache they are what the data stage keys on, decides sparseness and duplicates by,
 * and builds fragment keys from, so a warm build reads no file whose blocks are all cached.
 * Contents that are slices of a NAR are named by (NAR hash, offset, size): their digests are
 * kept per NAR and block size in a DigestCache and computed only once.
 */
import { createHash } from 'node:crypto';
import { contentSize, type ContentSource } from '../rootfs/tree.js';
import { readContent } from '../rootfs/content.js';
import type { DigestCache } from './options.js';

const sha256 = (b: Uint8Array): Uint8Array => createHash('sha256').update(b).digest();

/** Digests of every block of `src`, read in blocks. */
export async function blockDigests(src: ContentSource, blockSize: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  if (contentSize(src) === 0) return out;
  for await (const chunk of readContent(src, blockSize)) out.push(sha256(chunk));
  return out;
}

const zeroDigests = new Map<number, Uint8Array>();

/** The digest of `length` zero bytes (a sparse block's). */
export function zeroDigest(length: number): Uint8Array {
  let d = zeroDigests.get(length);
  if (!d) {
    d = sha256(new Uint8Array(length));
    if (zeroDigests.size < 64) zeroDigests.set(length, d);
  }
  return d;
}

export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/**
 * Digests for every non-empty content in `sources`. NAR slices with a NAR hash come from the
 * cache when it has them; the rest are read and hashed (and the NAR's entry extended).
 */
export async function digestsOf(sources: ContentSource[], blockSize: number, cache?: DigestCache): Promise<Map<ContentSource, Uint8Array[]>> {
  const out = new Map<ContentSource, Uint8Array[]>();
  const byNar = new Map<string, Extract<ContentSource, { kind: 'nar-slice' }>[]>();
  for (const src of sources) {
    if (contentSize(src) === 0) continue;
    if (cache && src.kind === 'nar-slice' && src.narHash) {
      const list = byNar.get(src.narHash);
      if (list) list.push(src);
      else byNar.set(src.narHash, [src]);
    } else {
      out.set(src, await blockDigests(src, blockSize));
    }
  }
  for (const [narHash, list] of byNar) {
    const known = (await cache!.get(narHash, blockSize)) ?? new Map<number, Uint8Array[]>();
    let added = false;
    for (const src of list) {
      let d = known.get(src.offset);
      // A wrong count of digests for the size means a damaged or foreign entry: recompute.
      if (!d || d.length !== Math.ceil(src.size / blockSize)) {
        d = await blockDigests(src, blockSize);
        known.set(src.offset, d);
        added = true;
      }
      out.set(src, d);
    }
    if (added) cache!.put(narHash, blockSize, known);
  }
  return out;
}

/**
 * A NAR's digests as bytes: count, then per file its offset (u64), block count (u32) and
 * 32-byte digests. Offsets are ascending.
 */
export function encodeDigests(map: ReadonlyMap<number, Uint8Array[]>): Uint8Array {
  const entries = [...map].sort((a, b) => a[0] - b[0]);
  let size = 4;
  for (const [, d] of entries) size += 12 + 32 * d.length;
  const out = Buffer.alloc(size);
  out.writeUInt32LE(entries.length, 0);
  let o = 4;
  for (const [offset, d] of entries) {
    out.writeBigUInt64LE(BigInt(offset), o);
    out.writeUInt32LE(d.length, o + 8);
    o += 12;
    for (const x of d) {
      out.set(x, o);
      o += 32;
    }
  }
  return out;
}

/** Inverse of encodeDigests; undefined when the bytes are not such an encoding. */
export function decodeDigests(bytes: Uint8Array): Map<number, Uint8Array[]> | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 4) return undefined;
  const n = b.readUInt32LE(0);
  const map = new Map<number, Uint8Array[]>();
  let o = 4;
  for (let i = 0; i < n; i++) {
    if (o + 12 > b.length) return undefined;
    const offset = Number(b.readBigUInt64LE(o));
    const count = b.readUInt32LE(o + 8);
    o += 12;
    if (o + 32 * count > b.length) return undefined;
    const d: Uint8Array[] = [];
    for (let k = 0; k < count; k++, o += 32) d.push(b.subarray(o, o + 32));
    map.set(offset, d);
  }
  return o === b.length ? map : undefined;
}
