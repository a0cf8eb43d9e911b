/** uImage reader: checks magic, header CRC, length and data CRC; splits multi-file images. */
import { crc32 } from '../crc32.js';
import { decodeHeader } from './header.js';
import { UImageError } from './errors.js';
import { TYPE_MULTI, TYPE_SCRIPT, UIMAGE_HEADER_SIZE, type UImageHeader } from './types.js';

export interface UImage {
  header: UImageHeader;
  /** The `size` bytes after the header. */
  data: Uint8Array;
  /** For multi and script images: the images listed in the size table. */
  images?: Uint8Array[];
}

export function readUImage(bytes: Uint8Array): UImage {
  const header = decodeHeader(bytes);
  const end = UIMAGE_HEADER_SIZE + header.size;
  if (bytes.length < end) {
    throw new UImageError('uimage-truncated', `header says ${header.size} data bytes, the file has ${bytes.length - UIMAGE_HEADER_SIZE}`);
  }
  const data = bytes.subarray(UIMAGE_HEADER_SIZE, end);
  const dcrc = crc32(data);
  if (dcrc !== header.dcrc) {
    throw new UImageError('uimage-bad-dcrc', `data CRC is 0x${header.dcrc.toString(16)}, the data gives 0x${dcrc.toString(16)}`);
  }
  const image: UImage = { header, data };
  if (header.type === TYPE_MULTI || header.type === TYPE_SCRIPT) image.images = splitMulti(data);
  return image;
}

/** The images of a multi-file payload (inverse of multiPayload). */
export function splitMulti(data: Uint8Array): Uint8Array[] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const sizes: number[] = [];
  let at = 0;
  for (;;) {
    if (at + 4 > data.length) throw new UImageError('uimage-bad-multi', 'multi-file size table has no terminating zero');
    const n = dv.getUint32(at);
    at += 4;
    if (n === 0) break;
    sizes.push(n);
  }
  const images: Uint8Array[] = [];
  sizes.forEach((n, i) => {
    if (at + n > data.length) {
      throw new UImageError('uimage-bad-multi', `image ${i} (${n} bytes at ${at}) runs past the ${data.length}-byte payload`);
    }
    images.push(data.subarray(at, at + n));
    at += n + (i < sizes.length - 1 ? (4 - (n % 4)) % 4 : 0);
  });
  return images;
}
