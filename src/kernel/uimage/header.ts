/** The 64-byte big-endian header: encode with both CRCs, decode and check them. */
import { crc32 } from '../crc32.js';
import { UImageError } from './errors.js';
import { UIMAGE_HEADER_SIZE, UIMAGE_MAGIC, UIMAGE_NAME_SIZE, type UImageHeader } from './types.js';

export type HeaderFields = Omit<UImageHeader, 'magic' | 'hcrc' | 'size' | 'dcrc'>;

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new UImageError('uimage-bad-field', `${what} ${v} does not fit in 32 bits`);
  }
  return v;
}
function u8(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new UImageError('uimage-bad-field', `${what} ${v} does not fit in a byte`);
  return v;
}

/** A header for `payload` (the bytes after the header), with hcrc and dcrc filled in. */
export function encodeHeader(fields: HeaderFields, payload: Uint8Array): Uint8Array {
  if (payload.length > 0xffffffff) throw new UImageError('uimage-too-large', `payload of ${payload.length} bytes exceeds 4 GiB`);
  const h = new Uint8Array(UIMAGE_HEADER_SIZE);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, UIMAGE_MAGIC);
  dv.setUint32(8, u32(fields.time, 'time'));
  dv.setUint32(12, payload.length);
  dv.setUint32(16, u32(fields.load, 'load address'));
  dv.setUint32(20, u32(fields.entry, 'entry point'));
  dv.setUint32(24, crc32(payload));
  h[28] = u8(fields.os, 'os');
  h[29] = u8(fields.arch, 'arch');
  h[30] = u8(fields.type, 'type');
  h[31] = u8(fields.comp, 'compression');
  // As mkimage's strncpy: at most 32 bytes, no terminator when the name fills the field.
  const name = new TextEncoder().encode(fields.name);
  h.set(name.subarray(0, UIMAGE_NAME_SIZE), 32);
  dv.setUint32(4, crc32(h));
  return h;
}

/** Decode and check the magic and header CRC (not the data CRC: see reader.ts). */
export function decodeHeader(bytes: Uint8Array): UImageHeader {
  if (bytes.length < UIMAGE_HEADER_SIZE) {
    throw new UImageError('uimage-truncated', `${bytes.length} bytes is shorter than the 64-byte uImage header`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, UIMAGE_HEADER_SIZE);
  const magic = dv.getUint32(0);
  if (magic !== UIMAGE_MAGIC) {
    throw new UImageError('uimage-bad-magic', `bad magic 0x${magic.toString(16).padStart(8, '0')} (a uImage starts with 0x27051956)`);
  }
  const hcrc = dv.getUint32(4);
  // A copy of our own: Buffer#slice would share memory and zero the caller's CRC.
  const copy = Uint8Array.prototype.slice.call(bytes, 0, UIMAGE_HEADER_SIZE);
  copy.fill(0, 4, 8);
  const want = crc32(copy);
  if (want !== hcrc) {
    throw new UImageError('uimage-bad-hcrc', `header CRC is 0x${hcrc.toString(16)}, the header's bytes give 0x${want.toString(16)}`);
  }
  const nameBytes = bytes.subarray(32, 64);
  const nul = nameBytes.indexOf(0);
  return {
    magic,
    hcrc,
    time: dv.getUint32(8),
    size: dv.getUint32(12),
    load: dv.getUint32(16),
    entry: dv.getUint32(20),
    dcrc: dv.getUint32(24),
    os: bytes[28]!,
    arch: bytes[29]!,
    type: bytes[30]!,
    comp: bytes[31]!,
    name: new TextDecoder().decode(nul < 0 ? nameBytes : nameBytes.subarray(0, nul)),
  };
}
