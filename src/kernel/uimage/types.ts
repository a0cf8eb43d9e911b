/**
 * Legacy uImage header fields and U-Boot's numeric codes for them (include/image.h).
 * Names are mkimage's -A/-O/-T/-C spellings; numbers were checked against mkimage 2023.01.
 */
export const UIMAGE_MAGIC = 0x27051956;
export const UIMAGE_HEADER_SIZE = 64;
export const UIMAGE_NAME_SIZE = 32;

export const OS_CODES: Readonly<Record<string, number>> = {
  invalid: 0, openbsd: 1, netbsd: 2, freebsd: 3, '4_4bsd': 4, linux: 5, svr4: 6, esix: 7,
  solaris: 8, irix: 9, sco: 10, dell: 11, ncr: 12, lynxos: 13, vxworks: 14, psos: 15, qnx: 16,
  'u-boot': 17, rtems: 18, integrity: 21, ose: 22, plan9: 23, openrtos: 24,
  'arm-trusted-firmware': 25, tee: 26, opensbi: 27, efi: 28,
};

export const ARCH_CODES: Readonly<Record<string, number>> = {
  invalid: 0, alpha: 1, arm: 2, x86: 3, ia64: 4, mips: 5, mips64: 6, powerpc: 7, ppc: 7, s390: 8,
  sh: 9, sparc: 10, sparc64: 11, m68k: 12, microblaze: 14, nios2: 15, blackfin: 16, avr32: 17,
  sandbox: 19, nds32: 20, or1k: 21, arm64: 22, arc: 23, x86_64: 24, xtensa: 25, riscv: 26,
};

/** Only the types that are plain legacy images (mkimage writes the vendor formats differently). */
export const TYPE_CODES: Readonly<Record<string, number>> = {
  invalid: 0, standalone: 1, kernel: 2, ramdisk: 3, multi: 4, firmware: 5, script: 6,
  filesystem: 7, flat_dt: 8, kernel_noload: 14,
};

export const COMP_CODES: Readonly<Record<string, number>> = {
  none: 0, gzip: 1, bzip2: 2, lzma: 3, lzo: 4, lz4: 5, zstd: 6,
};

export const OS_LINUX = 5;
export const ARCH_MIPS = 5;
export const TYPE_KERNEL = 2;
export const TYPE_MULTI = 4;
export const TYPE_SCRIPT = 6;
export const COMP_NONE = 0;
export const COMP_LZMA = 3;

export interface UImageHeader {
  magic: number;
  hcrc: number;
  /** Seconds since the epoch (SOURCE_DATE_EPOCH for reproducible images). */
  time: number;
  size: number;
  load: number;
  entry: number;
  dcrc: number;
  os: number;
  arch: number;
  type: number;
  comp: number;
  /** Up to 32 bytes; NUL-terminated when shorter. */
  name: string;
}

/** Name for a code in one of the tables (the first one listed, e.g. powerpc not ppc). */
export function codeName(table: Readonly<Record<string, number>>, code: number): string | undefined {
  for (const [k, v] of Object.entries(table)) if (v === code) return k;
  return undefined;
}
