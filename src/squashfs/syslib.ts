/**
 * The system's liblzma, zlib and libzstd through koffi (FFI), when they can be loaded: the very
 * libraries mksquashfs links, called the way it calls them (lzma_stream_buffer_encode,
 * deflate, ZSTD_compress). That gives mksquashfs's bytes and speed; Node's bundled zlib is a different
 * deflate (Chromium's) and lzma-native bundles an older, slower liblzma. When loading fails
 * (no koffi build, no liblzma.so.5), the compressors fall back to those.
 */
import { loadKoffi } from '../util/koffi.js';

export interface SysLibs {
  /** A complete .xz stream (CRC32 check) of `data`, or null if it does not fit in `limit`. */
  xz(data: Uint8Array, dictSize: number, bcjFilterId: number | undefined, limit: number): Uint8Array | null;
  /** ZSTD_compress at `level`, or null if it does not fit in `limit`. */
  zstd(data: Uint8Array, level: number, limit: number): Uint8Array | null;
  /** zlib deflate at `level` (compress2's settings), or null if it does not fit in `limit`. */
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
  view(ptr: unknown, len: number): ArrayBuffer;
  address(ptr: unknown): bigint;
}

const LZMA_OK = 0;
const LZMA_CHECK_CRC32 = 1;
const LZMA_FILTER_LZMA2 = 0x21n;
const LZMA_VLI_UNKNOWN = 0xffffffffffffffffn;
const Z_OK = 0;
const Z_STREAM_END = 1;
const Z_FINISH = 4;
const Z_DEFLATED = 8;
/** sizeof(z_stream) and its field offsets on LP64 (x86_64, aarch64). */
const Z_STREAM_SIZE = 112;
const ZS = { nextIn: 0, availIn: 8, nextOut: 24, availOut: 32, totalOut: 40 } as const;

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
  const koffi = loadKoffi<Koffi>();
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
  const zlibVersion = zl.func('const char *zlibVersion()') as unknown as () => string;
  const deflateInit2 = zl.func('int deflateInit2_(void *strm, int level, int method, int windowBits, int memLevel, int strategy, const char *version, int stream_size)');
  const deflateReset = zl.func('int deflateReset(void *strm)');
  const deflate = zl.func('int deflate(void *strm, int flush)');

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
  // Results are exact-size copies: the output buffers have room for a whole block.
  const xzCall = (data: Uint8Array, dictSize: number, bcj: number | undefined, limit: number) => {
    const out = new Uint8Array(limit);
    const pos = [0];
    const args = [chain(dictSize, bcj), LZMA_CHECK_CRC32, null, data, data.length, out, pos, limit];
    // LZMA_BUF_ERROR: does not fit
    return { args, result: (r: number) => (r === LZMA_OK ? out.slice(0, pos[0]!) : null) };
  };
  const zstdCall = (data: Uint8Array, level: number, limit: number) => {
    const out = new Uint8Array(limit);
    // dstSize_tooSmall: does not fit
    return { args: [out, limit, data, data.length, level], result: (n: number) => (zstdIsError(n) ? null : out.slice(0, n)) };
  };
  // zlib as mksquashfs drives it: one z_stream per level and per block in flight, set up once and
  // reused with deflateReset (compress2 would allocate and clear a new one for every block), with
  // input and output in native buffers. The stream's fields are written through a view of it.
  interface Lane {
    strm: unknown;
    fields: DataView;
    in: Uint8Array;
    inAddr: bigint;
    out: Uint8Array;
    outAddr: bigint;
  }
  const lanes = new Map<number, Lane[]>();
  const version = zlibVersion();
  const newLane = (level: number, size: number): Lane => {
    const strm = koffi.alloc('uint8_t', Z_STREAM_SIZE);
    const fields = new DataView(koffi.view(strm, Z_STREAM_SIZE));
    for (let i = 0; i < Z_STREAM_SIZE; i++) fields.setUint8(i, 0); // zalloc, zfree, opaque: Z_NULL
    // compress2's settings: method deflate, 15-bit window, memLevel 8, default strategy.
    if (deflateInit2(strm, level, Z_DEFLATED, 15, 8, 0, version, Z_STREAM_SIZE) !== Z_OK) throw new Error('deflateInit2 failed');
    const inPtr = koffi.alloc('uint8_t', size);
    const outPtr = koffi.alloc('uint8_t', size);
    return {
      strm,
      fields,
      in: new Uint8Array(koffi.view(inPtr, size)),
      inAddr: koffi.address(inPtr),
      out: new Uint8Array(koffi.view(outPtr, size)),
      outAddr: koffi.address(outPtr),
    };
  };
  const zlibCall = (data: Uint8Array, level: number, limit: number) => {
    const free = lanes.get(level) ?? [];
    lanes.set(level, free);
    // Buffers of at least 1 MiB (the largest block); a bigger call gets a lane of its own size.
    let lane = free.pop();
    if (lane && (lane.in.length < data.length || lane.out.length < limit)) lane = undefined;
    lane ??= newLane(level, Math.max(1 << 20, data.length, limit));
    const l = lane;
    l.in.set(data);
    if (deflateReset(l.strm) !== Z_OK) throw new Error('deflateReset failed');
    l.fields.setBigUint64(ZS.nextIn, l.inAddr, true);
    l.fields.setUint32(ZS.availIn, data.length, true);
    l.fields.setBigUint64(ZS.nextOut, l.outAddr, true);
    l.fields.setUint32(ZS.availOut, limit, true);
    return {
      args: [l.strm, Z_FINISH],
      // Z_OK or Z_BUF_ERROR instead of Z_STREAM_END: the output did not fit in `limit`.
      result: (r: number) => {
        const out = r === Z_STREAM_END ? l.out.slice(0, Number(l.fields.getBigUint64(ZS.totalOut, true))) : null;
        free.push(l);
        return out;
      },
    };
  };
  const sync = (fn: KoffiFn, c: { args: unknown[]; result: (r: number) => Uint8Array | null }) => c.result(fn(...c.args));
  const pooled = async (fn: KoffiFn, c: { args: unknown[]; result: (r: number) => Uint8Array | null }) => c.result(await onPool(fn, c.args));

  const probe = new Uint8Array(64).fill(65);
  const lib: SysLibs = {
    xz: (data, dictSize, bcj, limit) => sync(encode, xzCall(data, dictSize, bcj, limit)),
    zstd: (data, level, limit) => sync(zstdCompress, zstdCall(data, level, limit)),
    zlib: (data, level, limit) => sync(deflate, zlibCall(data, level, limit)),
    async: {
      xz: (data, dictSize, bcj, limit) => pooled(encode, xzCall(data, dictSize, bcj, limit)),
      zstd: (data, level, limit) => pooled(zstdCompress, zstdCall(data, level, limit)),
      zlib: (data, level, limit) => pooled(deflate, zlibCall(data, level, limit)),
    },
  };
  // Fail now, not in the middle of an image, if the calls do not work.
  if (!lib.xz(probe, 8192, undefined, 256) || !lib.zlib(probe, 9, 256) || !lib.zstd(probe, 15, 256)) throw new Error('system compressors do not work');
  return lib;
}
