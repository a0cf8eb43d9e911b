/**
 * The system's liblzma, zlib and libzstd through koffi (FFI), when they can be loaded: the very
 * libraries mksquashfs links, called the way it calls them (lzma_stream_buffer_encode,
 * compress2, ZSTD_compress). That gives mksquashfs's bytes and speed; Node's bundled zlib is a different
 * deflate (Chromium's) and lzma-native bundles an older, slower liblzma. When loading fails
 * (no koffi build, no liblzma.so.5), the compressors fall back to those.
 */
import { createRequire } from 'node:module';

export interface SysLibs {
  /** A complete .xz stream (CRC32 check) of `data`, or null if it does not fit in `limit`. */
  xz(data: Uint8Array, dictSize: number, bcjFilterId: number | undefined, limit: number): Uint8Array | null;
  /** ZSTD_compress at `level`, or null if it does not fit in `limit`. */
  zstd(data: Uint8Array, level: number, limit: number): Uint8Array | null;
  /** zlib compress2 at `level`, or null if it does not fit in `limit`. */
  zlib(data: Uint8Array, level: number, limit: number): Uint8Array | null;
  /**
   * The same three calls on a thread of libuv's pool (koffi's async call): the JS thread keeps
   * reading and writing while blocks compress, and no worker thread (a second V8 isolate,
   * about 0.25 s to start) is needed. Same library, same arguments, same bytes.
   */
  async: {
    xz(data: Uint8Array, dictSize: number, bcjFilterId: number | undefined, limit: number): Promise<Uint8Array | null>;
    zstd(data: Uint8Array, level: number, limit: number): Promise<Uint8Array | null>;
    zlib(data: Uint8Array, level: number, limit: number): Promise<Uint8Array | null>;
  };
}

/* The koffi API used here, typed loosely: the library has its own (large) typings. */
type KoffiFn = ((...args: unknown[]) => number) & { async(...args: unknown[]): void };
interface Koffi {
  load(name: string, opts?: { deep?: boolean }): { func(sig: string): KoffiFn };
  alloc(type: string, n: number): unknown;
  encode(ref: unknown, offset: number, type: string, value: unknown): void;
}

const LZMA_OK = 0;
const LZMA_CHECK_CRC32 = 1;
const LZMA_FILTER_LZMA2 = 0x21n;
const LZMA_VLI_UNKNOWN = 0xffffffffffffffffn;
const Z_OK = 0;

let cached: SysLibs | null | undefined;

export function sysLibs(): SysLibs | null {
  if (cached !== undefined) return cached;
  if (process.env.NIXWRT_NO_SYSLIB === '1') return (cached = null);
  try {
    cached = load();
  } catch {
    cached = null;
  }
  return cached;
}

/**
 * `fn(...args)` on a libuv pool thread. koffi keeps no reference to typed arrays it passes by
 * pointer, so the callback holds `args` until the call is over. When koffi's queue of async
 * calls is full, the call runs here, synchronously.
 */
function onPool(fn: KoffiFn, args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    try {
      fn.async(...args, (err: unknown, r: number) => {
        void args;
        if (err) reject(err as Error);
        else resolve(r);
      });
    } catch {
      resolve(fn(...args));
    }
  });
}

function load(): SysLibs {
  const require = createRequire(import.meta.url);
  const koffi = require('koffi') as Koffi;
  // RTLD_DEEPBIND: node exports its own (Chromium) zlib symbols, which would otherwise
  // satisfy libz's internal calls.
  const lz = koffi.load('liblzma.so.5', { deep: true });
  const zl = koffi.load('libz.so.1', { deep: true });
  const zs = koffi.load('libzstd.so.1', { deep: true });
  const zstdCompress = zs.func('size_t ZSTD_compress(_Out_ uint8_t *dst, size_t cap, const uint8_t *src, size_t size, int level)');
  const zstdIsError = zs.func('unsigned int ZSTD_isError(size_t code)');
  const preset = lz.func('int lzma_lzma_preset(void *options, uint32_t preset)');
  const encode = lz.func(
    'int lzma_stream_buffer_encode(void *filters, int check, void *allocator, const uint8_t *in, size_t in_size, _Out_ uint8_t *out, _Inout_ size_t *out_pos, size_t out_size)',
  );
  const compress2 = zl.func('int compress2(_Out_ uint8_t *dest, _Inout_ unsigned long *destLen, const uint8_t *source, unsigned long sourceLen, int level)');

  // One options block and filter chain per (dictionary, BCJ) pair; only offset 0
  // (dict_size) of lzma_options_lzma is written here, preset() fills the rest.
  const chains = new Map<string, unknown>();
  const chain = (dictSize: number, bcj: number | undefined): unknown => {
    const key = `${dictSize}/${bcj ?? ''}`;
    let c = chains.get(key);
    if (c) return c;
    const opts = koffi.alloc('uint8_t', 512);
    koffi.encode(opts, 0, 'uint8_t[512]', new Array(512).fill(0));
    if (preset(opts, 6) !== 0) throw new Error('lzma_lzma_preset failed');
    koffi.encode(opts, 0, 'uint32_t', dictSize);
    c = koffi.alloc('uint8_t', 48);
    const filters: Array<[bigint, unknown]> = bcj === undefined
      ? [[LZMA_FILTER_LZMA2, opts], [LZMA_VLI_UNKNOWN, null]]
      : [[BigInt(bcj), null], [LZMA_FILTER_LZMA2, opts], [LZMA_VLI_UNKNOWN, null]];
    filters.forEach(([id, p], i) => {
      koffi.encode(c, i * 16, 'uint64_t', id);
      koffi.encode(c, i * 16 + 8, 'void *', p);
    });
    chains.set(key, c);
    return c;
  };

  // Each codec is (arguments, how to read the result); run synchronously or on the pool.
  const xzCall = (data: Uint8Array, dictSize: number, bcj: number | undefined, limit: number) => {
    const out = new Uint8Array(limit);
    const pos = [0];
    const args = [chain(dictSize, bcj), LZMA_CHECK_CRC32, null, data, data.length, out, pos, limit];
    // LZMA_BUF_ERROR: does not fit
    return { args, result: (r: number) => (r === LZMA_OK ? out.subarray(0, pos[0]!) : null) };
  };
  const zstdCall = (data: Uint8Array, level: number, limit: number) => {
    const out = new Uint8Array(limit);
    // dstSize_tooSmall: does not fit
    return { args: [out, limit, data, data.length, level], result: (n: number) => (zstdIsError(n) ? null : out.subarray(0, n)) };
  };
  const zlibCall = (data: Uint8Array, level: number, limit: number) => {
    const out = new Uint8Array(limit);
    const len = [limit];
    // Z_BUF_ERROR: does not fit
    return { args: [out, len, data, data.length, level], result: (r: number) => (r === Z_OK ? out.subarray(0, len[0]!) : null) };
  };
  const sync = (fn: KoffiFn, c: { args: unknown[]; result: (r: number) => Uint8Array | null }) => c.result(fn(...c.args));
  const pooled = async (fn: KoffiFn, c: { args: unknown[]; result: (r: number) => Uint8Array | null }) => c.result(await onPool(fn, c.args));

  const probe = new Uint8Array(64).fill(65);
  const lib: SysLibs = {
    xz: (data, dictSize, bcj, limit) => sync(encode, xzCall(data, dictSize, bcj, limit)),
    zstd: (data, level, limit) => sync(zstdCompress, zstdCall(data, level, limit)),
    zlib: (data, level, limit) => sync(compress2, zlibCall(data, level, limit)),
    async: {
      xz: (data, dictSize, bcj, limit) => pooled(encode, xzCall(data, dictSize, bcj, limit)),
      zstd: (data, level, limit) => pooled(zstdCompress, zstdCall(data, level, limit)),
      zlib: (data, level, limit) => pooled(compress2, zlibCall(data, level, limit)),
    },
  };
  // Fail now, not in the middle of an image, if the calls do not work.
  if (!lib.xz(probe, 8192, undefined, 256) || !lib.zlib(probe, 9, 256) || !lib.zstd(probe, 15, 256)) throw new Error('system compressors do not work');
  return lib;
}
