/**
 * The 13-byte .lzma ("alone") header: props byte (pb*5+lp)*9+lc, dictionary size LE32,
 * uncompressed size LE64 (all ones = unknown, which then requires an end marker).
 * Writer and reader share `checkProps`, so they can never disagree about what is valid.
 */
import { LzmaError } from './errors.js';

export const HEADER_SIZE = 13;
export const MIN_DICT = 4096;
export const MAX_DICT = 1536 * 1024 * 1024;
/** OpenWrt's kernel settings: lc1 lp2 pb2 (props 0x6D), 8 MiB dictionary. */
export const DEFAULT_PROPS = { lc: 1, lp: 2, pb: 2, dictSize: 8 * 1024 * 1024 } as const;

export interface LzmaProps {
  lc: number;
  lp: number;
  pb: number;
  dictSize: number;
}

export interface LzmaHeader extends LzmaProps {
  /** Uncompressed size, or undefined when the header says "unknown" (all 0xFF). */
  size: bigint | undefined;
}

function checkInt(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new LzmaError('bad-option', `lzma: ${name} must be an integer in ${lo}..${hi}, got ${v}`);
  }
}

export function checkProps(p: LzmaProps): void {
  checkInt('lc', p.lc, 0, 8);
  checkInt('lp', p.lp, 0, 4);
  checkInt('pb', p.pb, 0, 4);
  checkInt('dictSize', p.dictSize, MIN_DICT, MAX_DICT);
}

export function propsByte(p: Pick<LzmaProps, 'lc' | 'lp' | 'pb'>): number {
  return (p.pb * 5 + p.lp) * 9 + p.lc;
}

export function writeHeader(p: LzmaProps, size: number): Uint8Array {
  checkProps(p);
  const h = new Uint8Array(HEADER_SIZE);
  const dv = new DataView(h.buffer);
  h[0] = propsByte(p);
  dv.setUint32(1, p.dictSize, true);
  dv.setBigUint64(5, BigInt(size), true);
  return h;
}

export function readHeader(bytes: Uint8Array): LzmaHeader {
  if (bytes.length < HEADER_SIZE) {
    throw new LzmaError('truncated', `lzma: ${bytes.length} bytes is shorter than the 13-byte header`);
  }
  let d = bytes[0]!;
  if (d >= 9 * 5 * 5) throw new LzmaError('bad-props', `lzma: props byte 0x${d.toString(16)} is out of range (max 0xE0)`);
  const lc = d % 9;
  d = (d - lc) / 9;
  const lp = d % 5;
  const pb = (d - lp) / 5;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  // Decoders round tiny dictionaries up to 4 KiB; accept any value and clamp like they do.
  const dictSize = Math.max(MIN_DICT, dv.getUint32(1, true));
  const raw = dv.getBigUint64(5, true);
  return { lc, lp, pb, dictSize, size: raw === 0xffff_ffff_ffff_ffffn ? undefined : raw };
}
