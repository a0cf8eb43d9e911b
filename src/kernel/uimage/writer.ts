/** uImage writer: header + payload; multi-file payloads as mkimage lays them out. */
import { encodeHeader } from './header.js';
import { UImageError } from './errors.js';
import { ARCH_MIPS, COMP_NONE, OS_LINUX, TYPE_KERNEL, TYPE_MULTI, TYPE_SCRIPT } from './types.js';

export interface UImageOptions {
  /** Seconds since the epoch; pass SOURCE_DATE_EPOCH for reproducible output. */
  time: number;
  load: number;
  /** Defaults to `load`, as mkimage. */
  entry?: number;
  name: string;
  os?: number;
  arch?: number;
  type?: number;
  comp?: number;
}

/** Concatenate parts into one buffer. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Multi-file payload: big-endian sizes of each image, a zero word, then the images,
 * each but the last padded with zeros to a multiple of 4 bytes.
 */
export function multiPayload(images: readonly Uint8Array[]): Uint8Array {
  if (images.length === 0) throw new UImageError('uimage-bad-field', 'a multi-file image needs at least one image');
  const table = new Uint8Array(4 * (images.length + 1));
  const dv = new DataView(table.buffer);
  const parts: Uint8Array[] = [table];
  images.forEach((img, i) => {
    if (img.length > 0xffffffff) throw new UImageError('uimage-too-large', `image ${i} exceeds 4 GiB`);
    dv.setUint32(4 * i, img.length);
    parts.push(img);
    const pad = (4 - (img.length % 4)) % 4;
    if (i < images.length - 1 && pad > 0) parts.push(new Uint8Array(pad));
  });
  return concatBytes(parts);
}

/** A uImage of one payload (kernel, ramdisk, ...). For multi and script types, pass the images. */
export function writeUImage(payload: Uint8Array | readonly Uint8Array[], opts: UImageOptions): Uint8Array {
  const type = opts.type ?? TYPE_KERNEL;
  const isList = Array.isArray(payload);
  if (isList !== (type === TYPE_MULTI || type === TYPE_SCRIPT)) {
    throw new UImageError(
      'uimage-bad-field',
      isList ? `a list of images needs type multi or script, not ${type}` : `type ${type} needs a list of images`,
    );
  }
  const body = isList ? multiPayload(payload as readonly Uint8Array[]) : (payload as Uint8Array);
  const header = encodeHeader(
    {
      time: opts.time,
      load: opts.load,
      entry: opts.entry ?? opts.load,
      name: opts.name,
      os: opts.os ?? OS_LINUX,
      arch: opts.arch ?? ARCH_MIPS,
      type,
      comp: opts.comp ?? COMP_NONE,
    },
    body,
  );
  return concatBytes([header, body]);
}
