/**
 * xz and bzip2 decoding straight on the system's liblzma.so.5 and libbz2.so.1.0 through koffi
 * (FFI): the libraries' streaming calls on native buffers that are reused across NARs.
 * lzma-native (the xz fallback) decodes 5-7× slower: it copies every input chunk, zero-fills a
 * fresh output vector per call and copies every output chunk into a new Buffer; unbzip2-stream
 * (the bzip2 fallback) is pure JS at 1-3 MB/s. When koffi or a library cannot be loaded (or
 * NIXWRT_NO_SYSLIB=1), haveNativeDecoder() is false and the caller falls back.
 */
import { FetchError } from './errors.js';
import { loadKoffi as loadKoffiModule } from '../util/koffi.js';

/* The koffi API used here, typed loosely: the library has its own (large) typings. */
type KoffiFn = ((...args: unknown[]) => number) & { async(...args: unknown[]): void };
interface Koffi {
  load(name: string): { func(sig: string): KoffiFn };
  alloc(type: string, n: number): unknown;
  view(ptr: unknown, len: number): ArrayBuffer;
  address(ptr: unknown): bigint;
}

/**
 * `fn(...args)` on a thread of libuv's pool (koffi's async call). koffi refuses more than
 * `max_async_calls` (256) queued calls (one per NAR decoding at once: only with --jobs over
 * 256); such a step runs here on the main thread instead.
 */
function onPool(fn: KoffiFn, ...args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    try {
      fn.async(...args, (err: unknown, r: number) => (err ? reject(err as Error) : resolve(r)));
    } catch {
      resolve(fn(...args));
    }
  });
}

export type NativeMethod = 'xz' | 'bzip2';

/** One library's streaming decoder, described by its stream struct and calls. */
interface Codec {
  /** Size of the stream struct and offsets (LP64) of next_in, avail_in, next_out, avail_out. */
  size: number;
  nextIn: number;
  availIn: number;
  nextOut: number;
  availOut: number;
  /** Width of the avail_* fields: size_t (xz) or unsigned int (bzip2). */
  wide: boolean;
  init(strm: unknown): number;
  /**
   * One decoding step; `finish`: no more input will come. Runs on libuv's thread pool, so
   * decoding overlaps with the main thread's HTTP, hashing, parsing and writes.
   */
  step(strm: unknown, finish: boolean): Promise<number>;
  end(strm: unknown): void;
  ok: number;
  streamEnd: number;
  /** At the end of a stream, is more input a new stream the library handles itself (xz) or must the caller restart (bzip2)? */
  restartAfterEnd: boolean;
  errors: Record<number, string>;
}

const IN_SIZE = 256 << 10;
const OUT_SIZE = 1 << 20;

interface Slot {
  strmPtr: unknown;
  strm: Buffer;
  inBuf: Buffer;
  inAddr: bigint;
  outBuf: Buffer;
  outAddr: bigint;
}

const codecs = new Map<NativeMethod, { codec: Codec; koffi: Koffi; free: Slot[] } | null>();

/** koffi, loaded as the squashfs codecs load it (src/util/koffi.ts: no https/zlib start-up cost). */
const loadKoffi = (): Koffi => loadKoffiModule<Koffi>();

function loadCodec(method: NativeMethod): Codec {
  const koffi = loadKoffi();
  if (method === 'xz') {
    const lz = koffi.load('liblzma.so.5');
    const init = lz.func('int lzma_stream_decoder(void *strm, uint64_t memlimit, uint32_t flags)');
    const code = lz.func('int lzma_code(void *strm, int action)');
    const end = lz.func('void lzma_end(void *strm)');
    const LZMA_CONCATENATED = 0x08;
    // lzma_stream: next_in @0, avail_in @8, total_in @16, next_out @24, avail_out @32, ... 136 bytes.
    return {
      size: 136, nextIn: 0, availIn: 8, nextOut: 24, availOut: 32, wide: true,
      init: (s) => init(s, 0xffffffffffffffffn, LZMA_CONCATENATED),
      step: (s, finish) => onPool(code, s, finish ? 3 /* LZMA_FINISH */ : 0 /* LZMA_RUN */),
      end: (s) => void end(s),
      ok: 0, streamEnd: 1, restartAfterEnd: false,
      errors: { 5: 'out of memory', 6: 'memory limit reached', 7: 'not an xz stream', 8: 'unsupported options', 9: 'corrupt data', 10: 'unexpected end of input' },
    };
  }
  const bz = koffi.load('libbz2.so.1.0');
  const init = bz.func('int BZ2_bzDecompressInit(void *strm, int verbosity, int small)');
  const step = bz.func('int BZ2_bzDecompress(void *strm)');
  const end = bz.func('int BZ2_bzDecompressEnd(void *strm)');
  // bz_stream: next_in @0, avail_in @8 (uint), totals, next_out @24, avail_out @32 (uint), ... 80 bytes.
  return {
    size: 80, nextIn: 0, availIn: 8, nextOut: 24, availOut: 32, wide: false,
    init: (s) => init(s, 0, 0),
    step: (s) => onPool(step, s),
    end: (s) => void end(s),
    ok: 0, streamEnd: 4, restartAfterEnd: true,
    errors: { [-3]: 'out of memory', [-4]: 'corrupt data', [-5]: 'not a bzip2 stream', [-7]: 'unexpected end of input' },
  };
}

function entry(method: NativeMethod): { codec: Codec; koffi: Koffi; free: Slot[] } | null {
  if (!codecs.has(method)) {
    let e = null;
    if (process.env.NIXWRT_NO_SYSLIB !== '1' && (process.arch === 'x64' || process.arch === 'arm64')) {
      try {
        e = { codec: loadCodec(method), koffi: loadKoffi(), free: [] };
      } catch {
        e = null;
      }
    }
    codecs.set(method, e);
  }
  return codecs.get(method)!;
}

/** True when the system library for `method` can be used (loads it on first call). */
export function haveNativeDecoder(method: NativeMethod): boolean {
  return entry(method) !== null;
}

function slot(koffi: Koffi, size: number): Slot {
  const strmPtr = koffi.alloc('uint8_t', size);
  const inPtr = koffi.alloc('uint8_t', IN_SIZE);
  const outPtr = koffi.alloc('uint8_t', OUT_SIZE);
  return {
    strmPtr,
    strm: Buffer.from(koffi.view(strmPtr, size)).fill(0),
    inBuf: Buffer.from(koffi.view(inPtr, IN_SIZE)),
    inAddr: koffi.address(inPtr),
    outBuf: Buffer.from(koffi.view(outPtr, OUT_SIZE)),
    outAddr: koffi.address(outPtr),
  };
}

/**
 * Decode an xz or bzip2 stream (concatenated streams allowed, as `xz -d` and `bzip2 -d` do).
 * Input chunks of any size are gathered into the native input buffer (one copy, no
 * allocation) and decoded IN_SIZE at a time. Each output chunk is a view of a reused native
 * buffer, valid until the consumer asks for the next one. Throws when the library is
 * unavailable: check haveNativeDecoder() first.
 */
export async function* nativeDecode(method: NativeMethod, input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const e = entry(method);
  if (!e) throw new Error(`no system library to decode ${method}`);
  const c = e.codec;
  const s = e.free.pop() ?? slot(e.koffi, c.size);
  const { strm, strmPtr } = s;
  // avail_* never exceed OUT_SIZE and addresses fit in 2^53: 32-bit halves, no BigInt per step.
  const getAvail = (off: number): number => strm.readUInt32LE(off);
  const setPtr = (off: number, addr: number): void => {
    strm.writeUInt32LE(addr % 0x100000000, off);
    strm.writeUInt32LE(Math.floor(addr / 0x100000000), off + 4);
  };
  const getPtr = (off: number): number => strm.readUInt32LE(off) + strm.readUInt32LE(off + 4) * 0x100000000;
  const inAddr = Number(s.inAddr);
  const outAddr = Number(s.outAddr);
  const setAvail = (off: number, n: number): void => {
    if (c.wide) setPtr(off, n);
    else strm.writeUInt32LE(n, off);
  };
  const fail = (r: number): never => {
    throw new FetchError('decompress', `${method} stream is corrupt: ${c.errors[r] ?? `library error ${r}`}`);
  };
  let live = false;
  const start = (): void => {
    const r = c.init(strmPtr);
    if (r !== c.ok) fail(r);
    live = true;
  };
  let ended = false;
  let busy = false; // a step is running on the pool: the buffers must not be reused yet
  // Decode the first `n` bytes of the input buffer, or with null finish the stream; yields
  // each output.
  const run = async function* (n: number | null): AsyncGenerator<Uint8Array> {
    if (n !== null) {
      setPtr(c.nextIn, inAddr);
      setAvail(c.availIn, n);
    }
    for (;;) {
      if (n !== null && getAvail(c.availIn) === 0) return;
      if (ended) {
        if (n === null) return; // input ended with the stream
        // More input after the end of a stream: the next stream of a concatenated file.
        c.end(strmPtr);
        live = false;
        const [addr, avail] = [getPtr(c.nextIn), getAvail(c.availIn)];
        strm.fill(0);
        start();
        setPtr(c.nextIn, addr);
        setAvail(c.availIn, avail);
        ended = false;
      }
      setPtr(c.nextOut, outAddr);
      setAvail(c.availOut, OUT_SIZE);
      busy = true;
      const r = await c.step(strmPtr, n === null);
      busy = false;
      const produced = OUT_SIZE - getAvail(c.availOut);
      if (r !== c.ok && r !== c.streamEnd) fail(r);
      if (produced > 0) yield s.outBuf.subarray(0, produced);
      if (r === c.streamEnd) {
        if (!c.restartAfterEnd) return; // xz reports the end only under FINISH
        ended = true;
      } else if (n === null && produced === 0 && c.restartAfterEnd) {
        // bzip2: nothing more comes out and the stream has not ended. (liblzma says so itself,
        // with LZMA_BUF_ERROR on the second call without progress.)
        fail(-7);
      }
    }
  };
  try {
    start();
    let fill = 0;
    for await (const chunk of input) {
      for (let pos = 0; pos < chunk.length; ) {
        const n = Math.min(IN_SIZE - fill, chunk.length - pos);
        s.inBuf.set(chunk.subarray(pos, pos + n), fill);
        fill += n;
        pos += n;
        if (fill === IN_SIZE) {
          yield* run(fill);
          fill = 0;
        }
      }
    }
    if (fill > 0) yield* run(fill);
    yield* run(null);
  } finally {
    // A consumer that stops early cannot leave a step running (run() awaits each one), but
    // keep the invariant explicit: a slot goes back to the pool only when idle.
    if (!busy) {
      if (live) c.end(strmPtr);
      strm.fill(0);
      e.free.push(s);
    }
  }
}
