/**
 * ELF: the kernel as the linker wrote it (vmlinux). We read headers and turn the loadable
 * sections into the raw memory image U-Boot copies to the load address, as objcopy -O binary.
 */
export * from './types.js';
export { ElfError, type ElfErrorCode } from './errors.js';
export { readElf, sectionBytes } from './reader.js';
export { sectionInSegment, sectionLma } from './lma.js';
export { elfToRaw, KERNEL_REMOVED_SECTIONS, type RawImage, type RawSection, type ObjcopyOptions } from './objcopy.js';
export { dynamicEntries, checkMipsRldMapRel, DT_MIPS_RLD_MAP, DT_MIPS_RLD_MAP_REL, type DynamicEntry, type RldMapCheck } from './dynamic.js';
