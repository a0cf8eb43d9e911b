/**
 * Kernel packaging: vmlinux (ELF) → raw image (objcopy -O binary) → [+ appended DTB] →
 * LZMA → legacy uImage or FIT. Each stage is its own module; buildKernelImage strings them.
 */
export * from './elf/index.js';
export * from './uimage/index.js';
export { crc32 } from './crc32.js';
export { appendDtb, checkDtb, DtbError, FDT_MAGIC, type DtbErrorCode } from './append-dtb.js';
export { buildFit, type FitOptions } from './fit.js';
export { readFit, describeFit, FitError, type Fit, type FitImage, type FitHash, type FitErrorCode } from './fit-reader.js';
export { buildKernelImage, archOf, type KernelImage, type KernelImageOptions, type LzmaSettings } from './build.js';
