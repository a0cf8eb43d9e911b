/**
 * The .xz container around a raw LZMA2 (+BCJ) stream, written the way liblzma's
 * lzma_stream_buffer_encode() does (what mksquashfs calls): one block whose header records
 * both sizes, CRC32 check, a one-record index. lzma-native only offers the streaming encoder
 * (no sizes in the block header), so the container is assembled here around its raw encoder.
 */
import * as zlib from 'node:zlib';

/** xz filter ids (xz file format 1.0.4, section 5.4). */
export const XZ_FILTER_ID = { x86: 0x04, powerpc: 0x05, ia64: 0x06, arm: 0x07, armthumb: 0x08, sparc: 0x09, lzma2: 0x21 } as const;

type Crc = (data: Uint8Array, value?: number) => number;
// zlib.crc32 exists from Node 20.15; the engines field allows older 20.x.
const crc32: Crc = (zlib as unknown as { crc32?: Crc }).crc32 ?? (() => {
  throw new Error('node:zlib crc32 is missing (Node >= 20.15 needed for xz)');
});

function vli(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

function le32(n: number, out: number[]): void {
  out.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
}

/** LZMA2 dictionary-size property byte: the smallest encoding that holds `dict`. */
export function lzma2DictProp(dict: number): number {
  for (let p = 0; p < 40; p++) {
    const size = (2 | (p & 1)) * 2 ** (Math.floor(p / 2) + 11);
    if (size >= dict) return p;
  }
  return 40;
}

const STREAM_HEADER = new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x01, 0x69, 0x22, 0xde, 0x36]);

/**
 * liblzma's lzma2_bound(): the most LZMA2 can emit for `n` bytes (3 header bytes per 64 KiB
 * uncompressed chunk, plus the end marker).
 */
export function lzma2Bound(n: number): number {
  return n + Math.ceil(n / 65536) * 3 + 1;
}

/** Wrap a raw filter-chain output into a complete single-block .xz stream. */
export function xzContainer(raw: Uint8Array, uncompressed: Uint8Array, filters: number[], dictSize: number): Uint8Array {
  // Block header. liblzma sizes it before encoding, with lzma2_bound() in place of the compressed
  // size, and pads the real (never longer) size up to that: a block that compresses well keeps
  // the header of the worst case.
  const h: number[] = [0, 0xc0 | (filters.length - 1)];
  vli(raw.length, h);
  vli(uncompressed.length, h);
  for (const id of filters) {
    h.push(id);
    if (id === XZ_FILTER_ID.lzma2) h.push(1, lzma2DictProp(dictSize));
    else h.push(0);
  }
  const sized: number[] = [];
  vli(lzma2Bound(uncompressed.length), sized);
  const lenVli: number[] = [];
  vli(raw.length, lenVli);
  const headerSize = Math.ceil((h.length + sized.length - lenVli.length + 4) / 4) * 4;
  while (h.length < headerSize - 4) h.push(0);
  h[0] = headerSize / 4 - 1;
  le32(crc32(Uint8Array.from(h)), h);
  const blockPad = (4 - (raw.length % 4)) % 4;
  const unpadded = h.length + raw.length + 4;
  // Index: indicator, one record (unpadded size, uncompressed size), padding, CRC32.
  const idx: number[] = [0, 1];
  vli(unpadded, idx);
  vli(uncompressed.length, idx);
  while (idx.length % 4 !== 0) idx.push(0);
  le32(crc32(Uint8Array.from(idx)), idx);
  // Stream footer: CRC32 of (backward size, flags), backward size, flags, "YZ".
  const tail: number[] = [];
  le32((idx.length / 4) - 1, tail);
  tail.push(0x00, 0x01);
  const foot: number[] = [];
  le32(crc32(Uint8Array.from(tail)), foot);
  foot.push(...tail, 0x59, 0x5a);

  const out = new Uint8Array(STREAM_HEADER.length + h.length + raw.length + blockPad + 4 + idx.length + foot.length);
  let at = 0;
  const put = (b: ArrayLike<number>) => {
    out.set(b, at);
    at += b.length;
  };
  put(STREAM_HEADER);
  put(h);
  put(raw);
  at += blockPad;
  const check: number[] = [];
  le32(crc32(uncompressed), check);
  put(check);
  put(idx);
  put(foot);
  return out;
}
