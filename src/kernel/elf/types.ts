/**
 * ELF structures as read from the file. Addresses, offsets and sizes are bigint so that
 * 32- and 64-bit files share one model; 32-bit MIPS addresses are sign-extended as BFD
 * does (see reader.ts), which matters for how objcopy orders and places sections.
 */
export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
export const EM_MIPS = 8;

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PF_W = 0x2;

export const PT_GNU_EH_FRAME = 0x6474e550;
export const PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552;
export const PT_GNU_SFRAME = 0x6474e554;
export const PT_GNU_MBIND_LO = 0x6474e555;
export const PT_GNU_MBIND_HI = 0x6474f554;

export const SHT_NULL = 0;
export const SHT_NOBITS = 8;
export const SHT_GROUP = 17;
export const SHT_MIPS_DEBUG = 0x70000005;

export const SHF_WRITE = 0x1n;
export const SHF_ALLOC = 0x2n;
export const SHF_EXECINSTR = 0x4n;
export const SHF_TLS = 0x400n;

export interface ElfHeader {
  class: 32 | 64;
  littleEndian: boolean;
  osabi: number;
  type: number;
  machine: number;
  flags: number;
  entry: bigint;
  phoff: bigint;
  shoff: bigint;
  shstrndx: number;
}

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

export interface SectionHeader {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: bigint;
  size: bigint;
  link: number;
  info: number;
  addralign: bigint;
  entsize: bigint;
}

export interface ElfFile {
  header: ElfHeader;
  programHeaders: ProgramHeader[];
  sectionHeaders: SectionHeader[];
  /** The whole file; section contents are slices of it. */
  bytes: Uint8Array;
}
