/** A human-readable listing in the style of `mkimage -l`. */
import { ARCH_CODES, COMP_CODES, OS_CODES, TYPE_CODES, codeName, type UImageHeader } from './types.js';
import type { UImage } from './reader.js';

const ARCH_LONG: Record<string, string> = { mips: 'MIPS', mips64: 'MIPS 64 Bit', arm: 'ARM', arm64: 'AArch64', powerpc: 'PowerPC', x86: 'Intel x86', x86_64: 'AMD x86_64', riscv: 'RISC-V' };
const OS_LONG: Record<string, string> = { linux: 'Linux', 'u-boot': 'U-Boot', netbsd: 'NetBSD', freebsd: 'FreeBSD', openbsd: 'OpenBSD', vxworks: 'VxWorks' };
const TYPE_LONG: Record<string, string> = {
  standalone: 'Standalone Program', kernel: 'Kernel Image', kernel_noload: 'Kernel Image (no loading done)',
  ramdisk: 'RAMDisk Image', multi: 'Multi-File Image', firmware: 'Firmware', script: 'Script File',
  filesystem: 'Filesystem Image', flat_dt: 'Flat Device Tree',
};
const COMP_LONG: Record<string, string> = { none: 'uncompressed', gzip: 'gzip compressed', bzip2: 'bzip2 compressed', lzma: 'lzma compressed', lzo: 'lzo compressed', lz4: 'lz4 compressed', zstd: 'zstd compressed' };

function label(table: Readonly<Record<string, number>>, long: Record<string, string>, code: number): string {
  const n = codeName(table, code);
  return n === undefined ? `Unknown (${code})` : (long[n] ?? n);
}

function sizeText(n: number): string {
  return `${n} Bytes = ${(n / 1024).toFixed(2)} KiB = ${(n / 1024 / 1024).toFixed(2)} MiB`;
}

export function describeHeader(h: UImageHeader): string[] {
  const hex = (v: number): string => v.toString(16).padStart(8, '0');
  return [
    `Image Name:   ${h.name}`,
    `Created:      ${new Date(h.time * 1000).toUTCString()}`,
    `Image Type:   ${label(ARCH_CODES, ARCH_LONG, h.arch)} ${label(OS_CODES, OS_LONG, h.os)} ${label(TYPE_CODES, TYPE_LONG, h.type)} (${label(COMP_CODES, COMP_LONG, h.comp)})`,
    `Data Size:    ${sizeText(h.size)}`,
    `Load Address: ${hex(h.load)}`,
    `Entry Point:  ${hex(h.entry)}`,
  ];
}

export function describeUImage(img: UImage): string {
  const lines = describeHeader(img.header);
  if (img.images) {
    lines.push('Contents:');
    img.images.forEach((im, i) => lines.push(`   Image ${i}: ${sizeText(im.length)}`));
  }
  return lines.join('\n') + '\n';
}
