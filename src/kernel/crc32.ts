/** CRC-32 (IEEE 802.3), as uImage and FIT hash nodes use it; unsigned. */
import CRC32 from 'crc-32';

export function crc32(data: Uint8Array, seed = 0): number {
  return CRC32.buf(data, seed) >>> 0;
}
