/**
 * buildKernelImage: vmlinux → raw (objcopy) → + appended DTB → LZMA → uImage, or a FIT with
 * the kernel and the DTB as separate images. `nixwrt kernel` (cli/commands/kernel.ts), the
 * tests and bench/kernel call this; `build()` packages its kernels through
 * image/kernel-stage.ts instead (see docs/architecture.md "Import order and known debt").
 */
import type { TaskPool } from '../workers/pool.js';
import { appendDtb, checkDtb } from './append-dtb.js';
import { EM_MIPS, elfToRaw, readElf, type ElfFile } from './elf/index.js';
import { encodeLzmaAlone, DEFAULT_PROPS } from './lzma/index.js';
import { buildFit } from './fit.js';
import { ARCH_CODES, COMP_LZMA, COMP_NONE, TYPE_KERNEL, writeUImage } from './uimage/index.js';

export interface LzmaSettings {
  lc: number;
  lp: number;
  pb: number;
  dictSize: number;
}

export interface KernelImageOptions {
  vmlinux: Uint8Array;
  /** Appended to the raw kernel (uImage) or stored as the fdt image (FIT). */
  dtb?: Uint8Array;
  /** Default: the lowest LMA of the raw image. */
  load?: number;
  /** Default: the ELF entry point. */
  entry?: number;
  name: string;
  /** Default OpenWrt's lc1 lp2 pb2, 8 MiB dictionary. */
  lzma?: LzmaSettings;
  /** 'none' stores the raw kernel uncompressed. */
  compression?: 'lzma' | 'none';
  fit?: boolean;
  /** Header time in seconds (SOURCE_DATE_EPOCH). */
  time: number;
  /** Compress in a worker thread. */
  pool?: TaskPool;
}

export interface KernelImage {
  image: Uint8Array;
  /** Raw kernel size (with the appended DTB, if any): what LZMA compressed. */
  rawSize: number;
  compressedSize: number;
  load: number;
  entry: number;
}

const u32 = (v: bigint): number => Number(BigInt.asUintN(32, v));

/** uImage arch code for an ELF: mips/mips64 by class; others by machine where U-Boot has one. */
export function archOf(elf: ElfFile): number {
  switch (elf.header.machine) {
    case EM_MIPS:
      return elf.header.class === 64 ? ARCH_CODES.mips64! : ARCH_CODES.mips!;
    case 40:
      return ARCH_CODES.arm!;
    case 183:
      return ARCH_CODES.arm64!;
    case 243:
      return ARCH_CODES.riscv!;
    default:
      return ARCH_CODES.mips!;
  }
}

async function compress(data: Uint8Array, lzma: LzmaSettings, pool?: TaskPool): Promise<Uint8Array> {
  if (!pool) return encodeLzmaAlone(data, lzma);
  const copy = data.slice();
  const r = await pool.run('lzma.encode', { data: copy, opts: lzma }, [copy.buffer as ArrayBuffer]);
  return r.data;
}

export async function buildKernelImage(o: KernelImageOptions): Promise<KernelImage> {
  const elf = readElf(o.vmlinux);
  const raw = elfToRaw(elf);
  const load = o.load ?? u32(raw.start);
  const entry = o.entry ?? u32(raw.entry);
  if (o.dtb) checkDtb(o.dtb);
  const kernel = o.dtb && !o.fit ? appendDtb(raw.data, o.dtb) : raw.data;
  const lzmaOn = (o.compression ?? 'lzma') === 'lzma';
  const payload = lzmaOn ? await compress(kernel, o.lzma ?? DEFAULT_PROPS, o.pool) : kernel;
  const common = { time: o.time, load, entry, name: o.name, arch: archOf(elf), comp: lzmaOn ? COMP_LZMA : COMP_NONE };
  const image = o.fit
    ? buildFit({ ...common, kernel: payload, dtb: o.dtb })
    : writeUImage(payload, { ...common, type: TYPE_KERNEL });
  return { image, rawSize: kernel.length, compressedSize: payload.length, load, entry };
}
