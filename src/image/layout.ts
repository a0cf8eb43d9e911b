/**
 * Flash layouts: where the kernel uImage and the squashfs go in firmware.bin. Pure: sizes
 * in, a list of regions out; `assembleLayout` turns regions plus payloads into chunks.
 *
 * - NixWRT: uImage and squashfs each padded with zeros to 128 KiB, concatenated.
 * - OpenWrt: uImage padded to the erase block, squashfs appended, then padjffs2: 0xFF up to
 *   each requested boundary with a `de ad c0 de` JFFS2 end-of-filesystem marker there, so the
 *   kernel formats the rest of the partition as a writable overlay.
 */
import { ImageError } from './errors.js';

export const NIXWRT_ALIGN = 128 * 1024;
export const JFFS2_EOF_MARK = Uint8Array.of(0xde, 0xad, 0xc0, 0xde);

export type Region =
  | { kind: 'kernel' | 'rootfs'; offset: number; size: number }
  | { kind: 'fill'; offset: number; size: number; byte: 0x00 | 0xff }
  | { kind: 'jffs2-eof'; offset: number; size: 4 };

export interface FirmwareLayout {
  style: 'nixwrt' | 'openwrt';
  regions: Region[];
  kernelOffset: number;
  rootfsOffset: number;
  /** Total bytes of the image. */
  size: number;
}

export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Append a fill region from `at` up to `to` (nothing if already there). */
function fill(regions: Region[], at: number, to: number, byte: 0x00 | 0xff): number {
  if (to > at) regions.push({ kind: 'fill', offset: at, size: to - at, byte });
  return to;
}

export function nixwrtLayout(kernelSize: number, rootfsSize: number, align = NIXWRT_ALIGN): FirmwareLayout {
  const regions: Region[] = [{ kind: 'kernel', offset: 0, size: kernelSize }];
  const rootfsOffset = fill(regions, kernelSize, alignUp(kernelSize, align), 0x00);
  regions.push({ kind: 'rootfs', offset: rootfsOffset, size: rootfsSize });
  const end = fill(regions, rootfsOffset + rootfsSize, alignUp(rootfsOffset + rootfsSize, align), 0x00);
  return { style: 'nixwrt', regions, kernelOffset: 0, rootfsOffset, size: end };
}

export interface OpenwrtLayoutOptions {
  eraseBlock: number;
  /** padjffs2 boundaries in bytes (powers of two, ≥ 1 KiB); empty: no JFFS2 tail. */
  padJffs2: number[];
}

export function openwrtLayout(kernelSize: number, rootfsSize: number, opts: OpenwrtLayoutOptions): FirmwareLayout {
  const regions: Region[] = [{ kind: 'kernel', offset: 0, size: kernelSize }];
  const rootfsOffset = fill(regions, kernelSize, alignUp(kernelSize, opts.eraseBlock), 0x00);
  regions.push({ kind: 'rootfs', offset: rootfsOffset, size: rootfsSize });
  const end = padJffs2(regions, rootfsOffset + rootfsSize, opts.padJffs2);
  return { style: 'openwrt', regions, kernelOffset: 0, rootfsOffset, size: end };
}

/**
 * OpenWrt's padjffs2: repeatedly take the smallest boundary still wanted, pad with 0xFF up to
 * it, drop every boundary the new position is aligned to, and write the marker there.
 */
function padJffs2(regions: Region[], start: number, boundaries: number[]): number {
  let pending = [...new Set(boundaries)].sort((a, b) => a - b);
  for (const b of pending) {
    if (b < 1024 || (b & (b - 1)) !== 0) throw new RangeError(`padjffs2 boundary ${b} is not a power of two ≥ 1024`);
  }
  let aligned = start;
  let out = start;
  while (pending.length > 0) {
    aligned = alignUp(aligned, pending[0]!);
    pending = pending.filter((b) => aligned % b !== 0);
    out = fill(regions, out, aligned, 0xff);
    regions.push({ kind: 'jffs2-eof', offset: out, size: 4 });
    out += 4;
  }
  return out;
}

/** Throw naming the bytes over if the image does not fit the device's firmware partition. */
export function checkFits(layout: FirmwareLayout, partitionSize: number, device: string): void {
  if (layout.size <= partitionSize) return;
  const over = layout.size - partitionSize;
  throw new ImageError(
    'partition-overflow',
    `firmware for ${device} is ${layout.size} bytes, ${over} bytes over its ${partitionSize}-byte ` +
      `(0x${partitionSize.toString(16)}) firmware partition (kernel ${layoutPart(layout, 'kernel')} bytes, ` +
      `rootfs ${layoutPart(layout, 'rootfs')} bytes); remove packages or modules`,
  );
}

function layoutPart(layout: FirmwareLayout, kind: 'kernel' | 'rootfs'): number {
  return layout.regions.find((r) => r.kind === kind)?.size ?? 0;
}

/** The image as a sequence of chunks: payloads, zero/0xFF fill and markers, in order. */
export function* assembleLayout(
  layout: FirmwareLayout,
  payloads: { kernel: Uint8Array; rootfs: Uint8Array },
): Generator<Uint8Array> {
  const fillChunk = 64 * 1024;
  for (const r of layout.regions) {
    if (r.kind === 'kernel' || r.kind === 'rootfs') {
      const data = payloads[r.kind];
      if (data.length !== r.size) throw new RangeError(`${r.kind} is ${data.length} bytes, layout says ${r.size}`);
      yield data;
    } else if (r.kind === 'jffs2-eof') {
      yield JFFS2_EOF_MARK;
    } else if (r.kind === 'fill') {
      for (let left = r.size; left > 0; left -= fillChunk) {
        yield new Uint8Array(Math.min(fillChunk, left)).fill(r.byte);
      }
    }
  }
}

/** The whole image in one buffer (tests and small images). */
export function assembleToBuffer(layout: FirmwareLayout, payloads: { kernel: Uint8Array; rootfs: Uint8Array }): Uint8Array {
  const out = new Uint8Array(layout.size);
  let at = 0;
  for (const chunk of assembleLayout(layout, payloads)) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
