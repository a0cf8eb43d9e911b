/**
 * zstd decoding on the system's libzstd.so.1 through koffi, each ZSTD_decompressStream step on
 * libuv's thread pool (as native-decode.ts does for xz and bzip2), so zstd NARs are decoded off
 * the main thread too; zstd-napi (synchronous, on the calling thread) is the fallback when koffi
 * or the library cannot be loaded (or NIXWRT_NO_SYSLIB=1).
 */
import { FetchError } from './errors.js';
import { loadKoffi, onPool, type KoffiFn } from './native-decode.js';

const IN_SIZE = 512 << 10;
const OUT_SIZE = 1 << 20;
const RESET_SESSION = 1;

interface Lib {
  createDCtx: KoffiFn;
  reset: KoffiFn;
  step: KoffiFn;
  errorName: (code: number) => string;
  alloc(size: number): { ptr: unknown; buf: Buffer; addr: number };
  free: Slot[];
}

interface Slot {
  dctx: unknown;
  /** ZSTD_inBuffer {src, size, pos} and ZSTD_outBuffer {dst, size, pos}: three 8-byte fields each. */
  inS: { ptr: unknown; buf: Buffer };
  outS: { ptr: unknown; buf: Buffer };
  inBuf: Buffer;
  inAddr: number;
  outBuf: Buffer;
  outAddr: number;
}

let lib: Lib | null | undefined;

function load(): Lib | null {
  if (lib !== undefined) return lib;
  lib = null;
  if (process.env.NIXWRT_NO_SYSLIB === '1' || (process.arch !== 'x64' && process.arch !== 'arm64')) return lib;
  try {
    const koffi = loadKoffi();
    const z = koffi.load('libzstd.so.1');
    // size_t results read as int64: error codes are small negative numbers that way.
    const errorName = z.func('const char *ZSTD_getErrorName(int64_t code)') as unknown as (code: number) => string;
    lib = {
      createDCtx: z.func('void *ZSTD_createDCtx()'),
      reset: z.func('int64_t ZSTD_DCtx_reset(void *dctx, int reset)'),
      step: z.func('int64_t ZSTD_decompressStream(void *dctx, void *output, void *input)'),
      errorName,
      alloc(size) {
        const ptr = koffi.alloc('uint8_t', size);
        return { ptr, buf: Buffer.from(koffi.view(ptr, size)), addr: Number(koffi.address(ptr)) };
      },
      free: [],
    };
  } catch {
    lib = null;
  }
  return lib;
}

/** True when libzstd can be used (loads it on first call). */
export function haveNativeZstd(): boolean {
  return load() !== null;
}

const put = (b: Buffer, off: number, v: number): void => {
  b.writeUInt32LE(v % 0x100000000, off);
  b.writeUInt32LE(Math.floor(v / 0x100000000), off + 4);
};
const get = (b: Buffer, off: number): number => b.readUInt32LE(off) + b.readUInt32LE(off + 4) * 0x100000000;

function newSlot(l: Lib): Slot {
  const dctx = l.createDCtx();
  if (!dctx) throw new Error('ZSTD_createDCtx failed');
  const inB = l.alloc(IN_SIZE);
  const outB = l.alloc(OUT_SIZE);
  const inS = l.alloc(24);
  const outS = l.alloc(24);
  return { dctx, inS, outS, inBuf: inB.buf, inAddr: inB.addr, outBuf: outB.buf, outAddr: outB.addr };
}

/**
 * Decode zstd frames (several in a row allowed). Input is gathered into a native buffer and
 * decoded IN_SIZE at a time; each output chunk is a view of a reused native buffer, valid until
 * the consumer asks for the next one. Check haveNativeZstd() first.
 */
export async function* nativeZstd(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const l = load();
  if (!l) throw new Error('no system libzstd');
  const s = l.free.pop() ?? newSlot(l);
  let busy = false;
  let inFrame = false;
  const fail = (r: number): never => {
    throw new FetchError('decompress', `zstd stream is corrupt: ${l.errorName(r)}`);
  };
  const run = async function* (n: number): AsyncGenerator<Uint8Array> {
    put(s.inS.buf, 0, s.inAddr);
    put(s.inS.buf, 8, n);
    put(s.inS.buf, 16, 0);
    for (;;) {
      put(s.outS.buf, 0, s.outAddr);
      put(s.outS.buf, 8, OUT_SIZE);
      put(s.outS.buf, 16, 0);
      busy = true;
      const r = await onPool(l.step, s.dctx, s.outS.ptr, s.inS.ptr);
      busy = false;
      if (r < 0) fail(r);
      const produced = get(s.outS.buf, 16);
      if (produced > 0) yield s.outBuf.subarray(0, produced);
      inFrame = r !== 0;
      if (get(s.inS.buf, 16) === n && (produced < OUT_SIZE || r === 0)) return;
    }
  };
  try {
    let fill = 0;
    for await (const chunk of input) {
      for (let pos = 0; pos < chunk.length; ) {
        const k = Math.min(IN_SIZE - fill, chunk.length - pos);
        s.inBuf.set(chunk.subarray(pos, pos + k), fill);
        fill += k;
        pos += k;
        if (fill === IN_SIZE) {
          yield* run(fill);
          fill = 0;
        }
      }
    }
    if (fill > 0) yield* run(fill);
    if (inFrame) throw new FetchError('decompress', 'zstd stream is corrupt: it ends in the middle of a frame');
  } finally {
    // A slot goes back to the pool only when no step can still be running on it.
    if (!busy) {
      l.reset(s.dctx, RESET_SESSION);
      l.free.push(s);
    }
  }
}
