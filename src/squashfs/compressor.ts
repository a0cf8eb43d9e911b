/**
 * Block compressors, one table indexed by name, as mksquashfs uses them:
 * each data or metadata block is compressed on its own; a block that does not shrink
 * is stored raw (the caller sees `null`). Pure and synchronous, so the same code runs
 * in piscina workers and on the calling thread.
 */
import { createRequire } from 'node:module';
import { deflateSync, inflateSync } from 'node:zlib';
import { CompressorId, METADATA_SIZE } from './format.js';
import { SquashfsError } from './errors.js';
import { XZ_FILTER_ID, xzContainer } from './xz.js';
import { sysLibs } from './syslib.js';

export type XzBcj = 'x86' | 'powerpc' | 'ia64' | 'arm' | 'armthumb' | 'sparc';
/** mksquashfs's BCJ table order: bit i of the options `flags` word is entry i. */
export const XZ_BCJ: readonly XzBcj[] = ['x86', 'powerpc', 'ia64', 'arm', 'armthumb', 'sparc'];

/** Plain data (crosses the worker boundary). */
export type CompressorSettings =
  | { comp: 'gzip'; level: number; windowBits: number }
  | { comp: 'xz'; dictSize: number; bcj: XzBcj[] }
  | { comp: 'zstd'; level: number }
  | { comp: 'none' };

export type CompressorName = CompressorSettings['comp'];

/** Settings key for caches: two blocks compress the same iff these strings match. */
export function settingsKey(s: CompressorSettings, blockSize: number): string {
  return `${JSON.stringify(s)}/${blockSize}`;
}

export function compressorId(s: CompressorSettings): number {
  // "none" is what mksquashfs -noI -noD -noF -noX writes: gzip id, every block raw.
  return s.comp === 'none' ? CompressorId.gzip : CompressorId[s.comp];
}

/** The compressor options block mksquashfs writes, or null when the defaults are used. */
export function compressorOptions(s: CompressorSettings, blockSize: number): Uint8Array | null {
  const out = new Uint8Array(8);
  const dv = new DataView(out.buffer);
  switch (s.comp) {
    case 'gzip':
      if (s.level === 9 && s.windowBits === 15) return null;
      dv.setUint32(0, s.level, true);
      dv.setUint16(4, s.windowBits, true);
      dv.setUint16(6, 0, true); // strategies: default only
      return out;
    case 'xz': {
      if (s.dictSize === blockSize && s.bcj.length === 0) return null;
      let flags = 0;
      for (const f of s.bcj) flags |= 1 << XZ_BCJ.indexOf(f);
      dv.setUint32(0, s.dictSize, true);
      dv.setUint32(4, flags, true);
      return out;
    }
    case 'zstd':
      if (s.level === 15) return null;
      dv.setUint32(0, s.level, true);
      return out.subarray(0, 4);
    case 'none':
      return null;
  }
}

// lzma-native and zstd-napi are CommonJS native addons without (usable) ESM typings.
const require = createRequire(import.meta.url);

interface LzmaNativeStream {
  rawEncoder_(filters: unknown[]): void;
  streamDecoder_(memlimit: number | null, flags: number): void;
  setBufsize(n: number): number;
  code(buf: Uint8Array | null, async: boolean): void;
  resetUnderlying(): void;
  bufferHandler: (buf: Buffer | null | undefined, processed: unknown, err: unknown) => void;
}
interface LzmaNative {
  Stream: new () => LzmaNativeStream;
  CHECK_CRC32: number;
  MODE_NORMAL: number;
  MF_BT4: number;
}
let lzmaMod: LzmaNative | undefined;
function lzma(): LzmaNative {
  return (lzmaMod ??= require('lzma-native') as LzmaNative);
}

/**
 * One xz stream through lzma-native's native Stream, synchronously: the wrapper's
 * Transform stream and its promise API cost more than the compression of small blocks.
 */
function runLzma(init: (s: LzmaNativeStream) => void, input: Uint8Array, bufsize: number): Uint8Array {
  const s = new (lzma().Stream)();
  const parts: Buffer[] = [];
  let error: unknown;
  s.bufferHandler = (buf, _processed, err) => {
    if (err) error = err;
    else if (buf) parts.push(buf);
  };
  init(s);
  s.setBufsize(bufsize);
  s.code(input, false);
  s.code(null, false);
  s.resetUnderlying();
  if (error) throw error;
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

const BCJ_ID: Record<XzBcj, string> = {
  x86: 'FILTER_X86',
  powerpc: 'FILTER_POWERPC',
  ia64: 'FILTER_IA64',
  arm: 'FILTER_ARM',
  armthumb: 'FILTER_ARMTHUMB',
  sparc: 'FILTER_SPARC',
};

function xzCompress(data: Uint8Array, dictSize: number, bcj: readonly XzBcj[]): Uint8Array {
  const L = lzma();
  // lzma_lzma_preset(6) spelled out: lzma-native lets a preset overwrite dictSize.
  const lzma2 = {
    id: 'LZMA_FILTER_LZMA2',
    options: { dictSize, lc: 3, lp: 0, pb: 2, mode: L.MODE_NORMAL, niceLen: 64, mf: L.MF_BT4, depth: 0 },
  };
  let best: Uint8Array | undefined;
  for (const f of [undefined, ...bcj]) {
    const filters = f ? [{ id: `LZMA_${BCJ_ID[f]}` }, lzma2] : [lzma2];
    const raw = runLzma((s) => s.rawEncoder_(filters), data, data.length + 4096);
    // Sizes are compared on the finished stream, as mksquashfs compares its candidates.
    const ids = f ? [XZ_FILTER_ID[f], XZ_FILTER_ID.lzma2] : [XZ_FILTER_ID.lzma2];
    const out = xzContainer(raw, data, ids, dictSize);
    if (!best || out.length < best.length) best = out;
  }
  return best!;
}

interface ZstdCompressor {
  setParameters(p: { compressionLevel: number }): void;
  compress(b: Uint8Array): Buffer;
}
interface ZstdMod {
  Compressor: new () => ZstdCompressor;
  decompress(b: Uint8Array): Buffer;
}
let zstdMod: ZstdMod | undefined;
const zstdByLevel = new Map<number, ZstdCompressor>();
function zstdCompressor(level: number): ZstdCompressor {
  zstdMod ??= require('zstd-napi') as ZstdMod;
  let c = zstdByLevel.get(level);
  if (!c) {
    c = new zstdMod.Compressor();
    c.setParameters({ compressionLevel: level });
    zstdByLevel.set(level, c);
  }
  return c;
}

/**
 * Compress one block. `metadata` selects mksquashfs's metadata variant (xz: 8 KiB
 * dictionary, no BCJ). Returns null when the result would not be smaller.
 */
export function compressBlock(s: CompressorSettings, data: Uint8Array, metadata = false, blockSize = data.length): Uint8Array | null {
  if (data.length === 0) return null;
  // The output room mksquashfs gives the compressor (it can change zstd's output).
  const cap = metadata ? METADATA_SIZE : Math.max(blockSize, data.length);
  const shrunk = (c: Uint8Array | null) => (c && c.length < data.length ? c : null);
  let out: Uint8Array;
  switch (s.comp) {
    case 'none':
      return null;
    case 'gzip': {
      const sys = s.windowBits === 15 ? sysLibs() : null;
      if (sys) return shrunk(sys.zlib(data, s.level, cap));
      out = deflateSync(data, { level: s.level, windowBits: s.windowBits, memLevel: 8 });
      break;
    }
    case 'xz': {
      const dict = metadata ? METADATA_SIZE : s.dictSize;
      const bcj = metadata ? [] : s.bcj;
      const sys = sysLibs();
      if (sys) {
        let best: Uint8Array | null = null;
        for (const f of xzCandidates(bcj)) best = smaller(best, sys.xz(data, dict, f, cap));
        return shrunk(best);
      }
      out = xzCompress(data, dict, bcj);
      break;
    }
    case 'zstd': {
      const sys = sysLibs();
      if (sys) return shrunk(sys.zstd(data, s.level, cap));
      out = zstdCompressor(s.level).compress(data);
      break;
    }
  }
  return out.length < data.length ? out : null;
}

/** mksquashfs's xz candidates: plain LZMA2 first, then each BCJ filter (by filter id). */
function xzCandidates(bcj: readonly XzBcj[]): Array<number | undefined> {
  return [undefined, ...bcj.map((f) => XZ_FILTER_ID[f])];
}

/** The first smallest of two candidates wins (null: did not fit). */
function smaller(best: Uint8Array | null, c: Uint8Array | null): Uint8Array | null {
  return c && (!best || c.length < best.length) ? c : best;
}

/**
 * A data block through the system library on a libuv pool thread, or undefined when these
 * settings do not use the system library (it did not load, or gzip with a window other than
 * 15 bits). Same bytes as `compressBlock(s, data, false, blockSize)`.
 */
export function compressBlockNative(s: CompressorSettings, data: Uint8Array, blockSize: number): Promise<Uint8Array | null> | undefined {
  if (!usesSysLib(s)) return undefined;
  const sys = sysLibs()!.async;
  const cap = Math.max(blockSize, data.length);
  const shrunk = (c: Uint8Array | null) => (c && c.length < data.length ? c : null);
  if (data.length === 0) return Promise.resolve(null);
  switch (s.comp) {
    case 'gzip':
      return sys.zlib(data, s.level, cap).then(shrunk);
    case 'zstd':
      return sys.zstd(data, s.level, cap).then(shrunk);
    case 'xz':
      return (async () => {
        let best: Uint8Array | null = null;
        for (const f of xzCandidates(s.bcj)) best = smaller(best, await sys.xz(data, s.dictSize, f, cap));
        return shrunk(best);
      })();
    case 'none':
      return undefined;
  }
}

/** Do data blocks with these settings go through the system libraries? */
export function usesSysLib(s: CompressorSettings): boolean {
  if (s.comp === 'none' || (s.comp === 'gzip' && s.windowBits !== 15)) return false;
  return sysLibs() !== null;
}

/** Decompress one block of an image with compressor `id`; never returns more than `limit` bytes. */
export function decompressBlock(id: number, data: Uint8Array, limit: number): Uint8Array {
  let out: Uint8Array;
  try {
    switch (id) {
      case CompressorId.gzip:
        out = inflateSync(data, { maxOutputLength: limit });
        break;
      case CompressorId.xz:
        out = runLzma((s) => s.streamDecoder_(null, 0), data, limit + 1);
        break;
      case CompressorId.zstd:
        zstdMod ??= require('zstd-napi') as ZstdMod;
        out = zstdMod.decompress(data);
        break;
      default:
        throw new SquashfsError('unsupported-compressor', `compressor id ${id} is not supported by this reader`);
    }
  } catch (err) {
    if (err instanceof SquashfsError) throw err;
    throw new SquashfsError('decompress-failed', `block does not decompress: ${(err as Error).message}`, { cause: err });
  }
  if (out.length > limit) throw new SquashfsError('decompress-failed', `block decompresses to ${out.length} bytes, over ${limit}`);
  return out;
}
