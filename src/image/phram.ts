/**
 * phram boot: the rootfs sits in RAM (loaded by U-Boot over tftp) and the kernel is told to
 * reserve that memory and expose it as an MTD device. Pure string builders.
 */
import { hexAddress } from './device.js';
import { ImageError } from './errors.js';

const MiB = 1024 * 1024;

export interface PhramRegion {
  /** Physical address of the rootfs in RAM. */
  address: number;
  sizeMiB: number;
}

/**
 * The phram region for a rootfs: `sizeMiB` when the config sets it (it must hold the rootfs),
 * else the rootfs rounded up to whole MiB. The same region gives the command line and
 * /etc/phram.vars, so the two always agree.
 */
export function phramRegionFor(rootfsSize: number, address: number, ramSize: number, sizeMiB?: number): PhramRegion {
  const needed = Math.max(1, Math.ceil(rootfsSize / MiB));
  if (sizeMiB !== undefined && sizeMiB < needed) {
    throw new ImageError(
      'phram-too-small',
      `phram size ${sizeMiB} MiB is less than the ${rootfsSize}-byte rootfs (${needed} MiB): raise phram.sizeMiB or leave it unset`,
    );
  }
  const size = sizeMiB ?? needed;
  const end = address + size * MiB;
  if (end > ramSize) {
    throw new ImageError(
      'phram-overflow',
      `phram rootfs of ${size} MiB at ${hexAddress(address)} ends ${end - ramSize} bytes past the end of RAM (${ramSize} bytes)`,
    );
  }
  return { address, sizeMiB: size };
}

/** Kernel command-line words for a phram rootfs (phram is the first MTD device: mtdblock0). */
export function phramCmdline(r: PhramRegion): string[] {
  const a = hexAddress(r.address);
  return [
    `mtdparts=phram0:${r.sizeMiB}M(rootfs)`,
    `phram.phram=phram0,${a},${r.sizeMiB}Mi`,
    `memmap=${r.sizeMiB}M$${a}`,
    'root=/dev/mtdblock0',
  ];
}

/**
 * Kernel command-line words for a rootfs read in place from memory-mapped NOR flash through
 * phram (a kernel without a flash driver): no memmap=, the region is not RAM. The length is
 * whole 64 KiB blocks (phram wants a multiple of its erase size, a page).
 */
export function phramFlashCmdline(physical: number, rootfsSize: number): string[] {
  const len = hexAddress(Math.ceil(rootfsSize / 0x10000) * 0x10000);
  return [`mtdparts=phram0:${len}(rootfs)`, `phram.phram=phram0,${hexAddress(physical)},${len}`, 'root=/dev/mtdblock0'];
}

/** Physical address of a KSEG0/KSEG1 address (MIPS32 unmapped segments). */
export function physical(address: number): number {
  return address & 0x1fffffff;
}

/** /etc/phram.vars, as NixWRT's phram module writes it (sourced by shell scripts). */
export function phramVars(r: PhramRegion): string {
  return `phram_sizeMB=${r.sizeMiB}\nphram_offset=${hexAddress(r.address)}\n`;
}

/** KSEG0 (cached, unmapped) virtual address of a physical address, as U-Boot on MIPS uses. */
export function kseg0(physical: number): number {
  return (0x80000000 | physical) >>> 0;
}
