/**
 * On-disk constants of SquashFS 4.0 (kernel fs/squashfs/squashfs_fs.h).
 * All integers are little-endian.
 */
export const MAGIC = 0x73717368; // "hsqs"
export const SUPERBLOCK_SIZE = 96;
export const METADATA_SIZE = 8192;
/** Metadata block header: bit 15 set = stored uncompressed. */
export const METADATA_RAW = 0x8000;
/** Data block size word: bit 24 set = stored uncompressed; 0 = sparse block. */
export const DATA_RAW = 1 << 24;
export const INVALID_FRAG = 0xffffffff;
export const INVALID_XATTR = 0xffffffff;
/** u64 "no table" marker. Kept as a bigint because it does not fit a double exactly. */
export const INVALID_TABLE = 0xffffffffffffffffn;
export const MAX_NAME = 256;
export const MAX_SYMLINK = 4096;
export const MIN_BLOCK_LOG = 12;
export const MAX_BLOCK_LOG = 20;
export const PAD_TO = 4096;

export const Flag = {
  UNCOMPRESSED_INODES: 0x0001,
  UNCOMPRESSED_DATA: 0x0002,
  CHECK: 0x0004,
  UNCOMPRESSED_FRAGMENTS: 0x0008,
  NO_FRAGMENTS: 0x0010,
  ALWAYS_FRAGMENTS: 0x0020,
  DUPLICATES: 0x0040,
  EXPORTABLE: 0x0080,
  UNCOMPRESSED_XATTRS: 0x0100,
  NO_XATTRS: 0x0200,
  COMPRESSOR_OPTIONS: 0x0400,
  UNCOMPRESSED_IDS: 0x0800,
} as const;

/** Compressor ids (1 zlib, 2 lzma, 3 lzo, 4 xz, 5 lz4, 6 zstd). */
export const CompressorId = { gzip: 1, lzma: 2, lzo: 3, xz: 4, lz4: 5, zstd: 6 } as const;

export const InodeType = {
  DIR: 1,
  REG: 2,
  SYMLINK: 3,
  BLKDEV: 4,
  CHRDEV: 5,
  FIFO: 6,
  SOCKET: 7,
  LDIR: 8,
  LREG: 9,
  LSYMLINK: 10,
  LBLKDEV: 11,
  LCHRDEV: 12,
  LFIFO: 13,
  LSOCKET: 14,
} as const;

/** Basic type of an extended inode type (directory entries always carry the basic type). */
export function basicType(t: number): number {
  return t > 7 ? t - 7 : t;
}

/** The extended inode type of a basic one (they add nlink, xattr and larger fields). */
export function extendedType(t: number): number {
  return t > 7 ? t : t + 7;
}

/** Device number as the kernel's new_encode_dev: 12-bit major, 20-bit minor. */
export function encodeDev(major: number, minor: number): number {
  return ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & 0xfff00) << 12);
}

export function decodeDev(rdev: number): { major: number; minor: number } {
  return { major: (rdev >>> 8) & 0xfff, minor: (rdev & 0xff) | ((rdev >>> 12) & 0xfff00) };
}
