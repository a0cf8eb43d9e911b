/**
 * The device-tree and kernel stages: compile the board DTS with the kernel tree's SoC files,
 * set /chosen/bootargs, then vmlinux → raw image + appended DTB → LZMA → uImage.
 */
import { compileDtsFile, toDtb } from '../dt/index.js';
import { concatBytes, elfToRaw, writeUImage, COMP_LZMA, type RawImage } from '../kernel/index.js';
import type { TaskPool } from '../workers/pool.js';
import { hexAddress, type Device } from './device.js';
import { dtsInputs } from './devices.js';
import { ImageError } from './errors.js';

export async function compileDeviceTree(device: Device, linuxDtsRoot: string, bootargs: string): Promise<Uint8Array> {
  const { file, includeDirs } = dtsInputs(device, linuxDtsRoot);
  const { tree } = await compileDtsFile(file, { includeDirs });
  if (!tree.getNode('/chosen')) tree.addNode('/chosen');
  tree.setProperty('/chosen', 'bootargs', bootargs);
  return toDtb(tree);
}

/** OpenWrt's kernel LZMA settings (lc1 lp2 pb2, 8 MiB dictionary); the header carries the real size. */
export const KERNEL_LZMA = { lc: 1, lp: 2, pb: 2, dictSize: 8 << 20 } as const;

/** The raw (objcopy -O binary) kernel, checked against the device's load address. */
export function rawKernel(device: Device, vmlinux: Uint8Array): RawImage {
  const raw = elfToRaw(vmlinux);
  const start = Number(raw.start & 0xffffffffn);
  if (start !== device.loadAddress) {
    throw new ImageError(
      'kernel-mismatch',
      `the kernel is linked at ${hexAddress(start)} but ${device.name} loads kernels at ${hexAddress(device.loadAddress)}: wrong kernel package?`,
    );
  }
  return raw;
}

export async function kernelUImage(
  device: Device,
  raw: RawImage,
  dtb: Uint8Array,
  opts: { name: string; time: number; pool: TaskPool; compress?: (payload: Uint8Array) => Promise<Uint8Array> },
): Promise<Uint8Array> {
  const lzma = await (opts.compress ?? ((p) => kernelLzma(p, opts.pool)))(kernelPayload(raw, dtb));
  return uImageOf(device, lzma, kernelEntry(device, raw), opts);
}

/** MIPS_RAW_APPENDED_DTB: the kernel finds the DTB right after its raw image. */
export function kernelPayload(raw: RawImage, dtb: Uint8Array): Uint8Array {
  return concatBytes([raw.data, dtb]);
}

/** The entry address: the device's, or for 'elf' the kernel's own e_entry (for Malta 0x80499260, not the load address). */
export function kernelEntry(device: Device, raw: RawImage): number {
  return device.entryAddress === 'elf' ? Number(raw.entry & 0xffffffffn) : device.entryAddress;
}

/** The uImage around an LZMA stream: only its 64-byte header depends on name and time. */
export function uImageOf(device: Device, lzma: Uint8Array, entry: number, opts: { name: string; time: number }): Uint8Array {
  return writeUImage(lzma, { time: opts.time, load: device.loadAddress, entry, name: opts.name, comp: COMP_LZMA });
}

/** The kernel payload (raw image + DTB) in KERNEL_LZMA; `payload`'s buffer is transferred. */
export async function kernelLzma(payload: Uint8Array, pool: TaskPool): Promise<Uint8Array> {
  const { data } = await pool.run('lzma.encode', { data: payload, opts: KERNEL_LZMA }, [payload.buffer as ArrayBuffer]);
  return data;
}
