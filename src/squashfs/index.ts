/**
 * SquashFS 4.0: a read-only, compressed file system image (the router's rootfs).
 * Superblock, data and fragment blocks, then inode, directory, fragment, export and id
 * tables. See docs/squashfs.md. The writer follows mksquashfs's layout and numbering.
 */
export { writeSquashfs, writeSquashfsToBuffer } from './writer.js';
export type { SquashfsOptions, BlockCache, CachedBlock, DigestCache, MetadataCache } from './options.js';
export { openSquashfs, SquashfsImage, type ReadInode, type DirEntry, type WalkEntry, type ReaderLimits } from './reader.js';
export type { Superblock } from './superblock.js';
export { SquashfsError, type SquashfsErrorCode } from './errors.js';
export { treeFromHostDir, clampTimes } from './host-tree.js';
export { extractSquashfs, type ExtractResult } from './extract.js';
export { applyPseudo } from './pseudo.js';
export { XZ_BCJ, type XzBcj, settingsKey, type CompressorSettings } from './compressor.js';
