import type { TaskPool } from '../workers/pool.js';
import { SquashfsError } from './errors.js';
import { XZ_BCJ, type CompressorSettings, type XzBcj } from './compressor.js';

/**
 * A per-block cache of compressed data blocks, keyed by the block's SHA-256, the compressor
 * settings and the block size (see `settingsKey`). The writer only calls it; the
 * incremental-build cache provides it.
 */
export interface BlockCache {
  get(key: string): Promise<CachedBlock | undefined> | CachedBlock | undefined;
  put(key: string, value: CachedBlock): Promise<void> | void;
  /** Block digests of NAR contents kept across builds (see digests.ts); without it they are recomputed. */
  digests?: DigestCache;
  /** Encoded metadata blocks by key (synchronous: the tables are laid out as they are written). */
  metadata?: MetadataCache;
}

export interface MetadataCache {
  get(key: string): Uint8Array | undefined;
  put(key: string, encoded: Uint8Array): void;
}

/** Per NAR (by NAR hash) and block size: file offset in the NAR → its block digests. */
export interface DigestCache {
  get(narHash: string, blockSize: number): Promise<Map<number, Uint8Array[]> | undefined> | Map<number, Uint8Array[]> | undefined;
  put(narHash: string, blockSize: number, digests: ReadonlyMap<number, Uint8Array[]>): void;
}
export interface CachedBlock {
  /** On-disk bytes: compressed, or the raw block when `compressed` is false. */
  data: Uint8Array;
  compressed: boolean;
}

export interface SquashfsOptions {
  /** Default 'gzip' (as mksquashfs). 'none' writes gzip's id with every block raw. */
  comp?: 'xz' | 'gzip' | 'zstd' | 'none';
  /** 4 KiB .. 1 MiB, a power of two; default 128 KiB. */
  blockSize?: number;
  /** Superblock time (seconds). Required: the writer never reads the clock. */
  mkfsTime: number;
  /** If set, every inode gets this mtime. */
  allTime?: number;
  /** Every inode owned by 0:0. */
  allRoot?: boolean;
  /** Pack files smaller than a block into fragment blocks (default true). */
  fragments?: boolean;
  /** Also pack the tail of multi-block files into fragments (mksquashfs -always-use-fragments). */
  alwaysFragments?: boolean;
  /** Store identical files once (default true). */
  dedup?: boolean;
  /** Write the NFS export table (default true, as mksquashfs). */
  exportable?: boolean;
  /** Store the entries' xattrs (default true, as mksquashfs; false: mksquashfs -no-xattrs). */
  xattrs?: boolean;
  /** xz dictionary size (default: the block size). */
  xzDictSize?: number;
  /** BCJ filters tried per block besides plain LZMA2; the smallest result wins. */
  xzBcj?: XzBcj[];
  /** Compression level: gzip 1-9 (default 9), zstd 1-22 (default 15). */
  level?: number;
  /** Worker pool for data blocks; without one, a pool of `jobs` threads is made and closed. */
  pool?: TaskPool;
  /** Worker threads when no pool is given (0 = same thread). */
  jobs?: number;
  blockCache?: BlockCache;
  /** File bytes through the data stage (compressed, from the cache, or sparse) of all file bytes. */
  onProgress?: (done: number, total: number) => void;
}

export interface Resolved {
  comp: CompressorSettings;
  blockSize: number;
  blockLog: number;
  mkfsTime: number;
  allTime: number | undefined;
  allRoot: boolean;
  fragments: boolean;
  alwaysFragments: boolean;
  dedup: boolean;
  exportable: boolean;
  xattrs: boolean;
  blockCache: BlockCache | undefined;
  onProgress: ((done: number, total: number) => void) | undefined;
}

function bad(msg: string): never {
  throw new SquashfsError('bad-option', msg);
}

function isDictSize(n: number): boolean {
  // mksquashfs accepts 2^n or 2^n + 2^(n-1).
  for (let p = 4096; p <= 1 << 20; p *= 2) if (n === p || n === p + p / 2) return true;
  return false;
}

export function resolveOptions(o: SquashfsOptions): Resolved {
  const blockSize = o.blockSize ?? 131072;
  const blockLog = Math.log2(blockSize);
  if (!Number.isInteger(blockLog) || blockLog < 12 || blockLog > 20) bad(`block size ${blockSize} is not a power of two from 4096 to 1048576`);
  if (!Number.isInteger(o.mkfsTime) || o.mkfsTime < 0 || o.mkfsTime > 0xffffffff) bad(`mkfs time ${o.mkfsTime} is not a u32`);
  if (o.allTime !== undefined && (!Number.isInteger(o.allTime) || o.allTime < 0 || o.allTime > 0xffffffff)) bad(`all-time ${o.allTime} is not a u32`);
  const name = o.comp ?? 'gzip';
  let comp: CompressorSettings;
  switch (name) {
    case 'gzip': {
      const level = o.level ?? 9;
      if (!Number.isInteger(level) || level < 1 || level > 9) bad(`gzip level ${level} is not 1..9`);
      comp = { comp: 'gzip', level, windowBits: 15 };
      break;
    }
    case 'zstd': {
      const level = o.level ?? 15;
      if (!Number.isInteger(level) || level < 1 || level > 22) bad(`zstd level ${level} is not 1..22`);
      comp = { comp: 'zstd', level };
      break;
    }
    case 'xz': {
      const dictSize = o.xzDictSize ?? blockSize;
      if (!isDictSize(dictSize) || dictSize > blockSize) bad(`xz dictionary size ${dictSize} must be 2^n or 2^n+2^(n-1), up to the block size`);
      const bcj = [...new Set(o.xzBcj ?? [])];
      for (const f of bcj) if (!XZ_BCJ.includes(f)) bad(`unknown xz BCJ filter ${f} (have ${XZ_BCJ.join(', ')})`);
      bcj.sort((a, b) => XZ_BCJ.indexOf(a) - XZ_BCJ.indexOf(b));
      comp = { comp: 'xz', dictSize, bcj };
      break;
    }
    case 'none':
      comp = { comp: 'none' };
      break;
    default:
      bad(`unknown compressor ${String(name)} (have xz, gzip, zstd, none)`);
  }
  return {
    comp,
    blockSize,
    blockLog,
    mkfsTime: o.mkfsTime,
    allTime: o.allTime,
    allRoot: o.allRoot ?? false,
    fragments: o.fragments ?? true,
    alwaysFragments: o.alwaysFragments ?? false,
    dedup: o.dedup ?? true,
    exportable: o.exportable ?? true,
    xattrs: o.xattrs ?? true,
    blockCache: o.blockCache,
    onProgress: o.onProgress,
  };
}
