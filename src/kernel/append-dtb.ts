/**
 * Appended DTB (kernels built with MIPS_RAW_APPENDED_DTB): the flattened device tree is
 * concatenated to the raw kernel before compression, as OpenWrt's `append-dtb` does
 * (`cat image.dtb >> kernel`, no padding). The kernel finds it at its own end.
 */
import { NixwrtError } from '../errors.js';
import { concatBytes } from './uimage/writer.js';

export type DtbErrorCode = 'dtb-bad-magic' | 'dtb-truncated';
export class DtbError extends NixwrtError<DtbErrorCode> {}

export const FDT_MAGIC = 0xd00dfeed;
const FDT_HEADER_SIZE = 40;

/** Check that `dtb` is a flattened device tree: magic, and a totalsize within the bytes. */
export function checkDtb(dtb: Uint8Array, what = 'DTB'): void {
  if (dtb.length < 4 || new DataView(dtb.buffer, dtb.byteOffset, 4).getUint32(0) !== FDT_MAGIC) {
    const got = dtb.length < 4 ? `${dtb.length} bytes` : `magic 0x${Buffer.from(dtb.subarray(0, 4)).toString('hex')}`;
    throw new DtbError('dtb-bad-magic', `${what} is not a flattened device tree (${got}; expected magic d00dfeed)`);
  }
  if (dtb.length < FDT_HEADER_SIZE) throw new DtbError('dtb-truncated', `${what} is ${dtb.length} bytes, shorter than the 40-byte FDT header`);
  const total = new DataView(dtb.buffer, dtb.byteOffset, FDT_HEADER_SIZE).getUint32(4);
  if (total < FDT_HEADER_SIZE || total > dtb.length) {
    throw new DtbError('dtb-truncated', `${what} header says totalsize ${total}, but it has ${dtb.length} bytes`);
  }
}

export function appendDtb(rawKernel: Uint8Array, dtb: Uint8Array): Uint8Array {
  checkDtb(dtb);
  return concatBytes([rawKernel, dtb]);
}
