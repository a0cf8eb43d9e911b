/**
 * xz decoding straight on the system's liblzma through koffi (FFI): lzma_stream_decoder +
 * lzma_code on native buffers that are reused across NARs. lzma-native (the fallback) decodes
 * about 5× slower here: it copies every input chunk, zero-fills a fresh output vector per call
 * and copies every output chunk into a new Buffer. When koffi or liblzma.so.5 cannot be
 * loaded (or NIXWRT_NO_SYSLIB=1), xzDecoder() returns null and the caller falls back.
 */
import { createRequire } from 'node:module';
import { FetchError } from './errors.js';

/* The koffi API used here, typed loosely: the library has its own (large) typings. */
interface Koffi {
  load(name: string): { func(sig: string): (...args: unknown[]) => number };
  alloc(type: string, n: number): unknown;
  free(ptr: unknown): void;
  view(ptr: unknown, len: number): ArrayBuffer;
  address(ptr: unknown): bigint;
}

const LZMA_OK = 0;
const LZMA_STREAM_END = 1;
const LZMA_RUN = 0;
const LZMA_FINISH = 3;
const LZMA_CONCATENATED = 0x08;
const NO_MEMLIMIT = 0xffffffffffffffffn;
const ERRORS: Record<number, string> = {
  5: 'out of memory',
  6: 'memory limit reached',
  7: 'not an xz stream',
  8: 'unsupported options',
  9: 'corrupt data',
  10: 'unexpected end of input',
};

// lzma_stream on LP64: next_in @0, avail_in @8, total_in @16, next_out @24, avail_out @32,
// total_out @40, allocator @48, internal @56, reserved fields up to 136 bytes.
const STREAM_SIZE = 136;
const IN_SIZE = 256 << 10;
const OUT_SIZE = 1 << 20;

interface Lib {
  koffi: Koffi;
  init(strm: unknown, memlimit: bigint, flags: number): number;
  code(strm: unknown, action: number): number;
  end(strm: unknown): void;
}

/** Native buffers for one decode at a time; pooled, because koffi.alloc memory is never moved. */
interface Slot {
  strmPtr: unknown;
  strm: Buffer;
  inBuf: Buffer;
  inAddr: bigint;
  outBuf: Buffer;
  outAddr: bigint;
}

let lib: Lib | null | undefined;
const free: Slot[] = [];

function loadLib(): Lib | null {
  if (lib !== undefined) return lib;
  if (process.env.NIXWRT_NO_SYSLIB === '1' || process.arch !== 'x64' && process.arch !== 'arm64') return (lib = null);
  try {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    const lz = koffi.load('liblzma.so.5');
    lib = {
      koffi,
      init: lz.func('int lzma_stream_decoder(void *strm, uint64_t memlimit, uint32_t flags)'),
      code: lz.func('int lzma_code(void *strm, int action)'),
      end: lz.func('void lzma_end(void *strm)') as (strm: unknown) => void,
    };
  } catch {
    lib = null;
  }
  return lib;
}

function slot(l: Lib): Slot {
  const s = free.pop();
  if (s) return s;
  const { koffi } = l;
  const strmPtr = koffi.alloc('uint8_t', STREAM_SIZE);
  const inPtr = koffi.alloc('uint8_t', IN_SIZE);
  const outPtr = koffi.alloc('uint8_t', OUT_SIZE);
  const strm = Buffer.from(koffi.view(strmPtr, STREAM_SIZE)).fill(0);
  return {
    strmPtr,
    strm,
    inBuf: Buffer.from(koffi.view(inPtr, IN_SIZE)),
    inAddr: koffi.address(inPtr),
    outBuf: Buffer.from(koffi.view(outPtr, OUT_SIZE)),
    outAddr: koffi.address(outPtr),
  };
}

/** True when the system liblzma can be used (loads it on first call). */
export function haveSysXz(): boolean {
  return loadLib() !== null;
}

/**
 * Decode an .xz stream (concatenated streams allowed, as `xz -d` does). Each chunk is a view
 * of a reused native buffer, valid until the consumer asks for the next one. Throws when the
 * system liblzma is unavailable: check haveSysXz() first.
 */
export async function* xzDecodeSys(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const l = loadLib();
  if (!l) throw new Error('liblzma.so.5 is not available');
  const s = slot(l);
  const { strm, strmPtr } = s;
  const fail = (r: number): never => {
    throw new FetchError('decompress', `xz stream is corrupt: ${ERRORS[r] ?? `liblzma error ${r}`}`);
  };
  let r = l.init(strmPtr, NO_MEMLIMIT, LZMA_CONCATENATED);
  if (r !== LZMA_OK) fail(r);
  try {
    // Feed `src` (action RUN), or with null finish the stream (FINISH); yields each output.
    const run = function* (src: Uint8Array | null): Generator<Uint8Array> {
      let pos = 0;
      for (;;) {
        if (src && strm.readBigUInt64LE(8) === 0n) {
          if (pos === src.length) return;
          const n = Math.min(IN_SIZE, src.length - pos);
          s.inBuf.set(src.subarray(pos, pos + n));
          pos += n;
          strm.writeBigUInt64LE(s.inAddr, 0);
          strm.writeBigUInt64LE(BigInt(n), 8);
        }
        strm.writeBigUInt64LE(s.outAddr, 24);
        strm.writeBigUInt64LE(BigInt(OUT_SIZE), 32);
        r = l.code(strmPtr, src ? LZMA_RUN : LZMA_FINISH);
        const produced = OUT_SIZE - Number(strm.readBigUInt64LE(32));
        if (r !== LZMA_OK && r !== LZMA_STREAM_END) fail(r);
        if (produced > 0) yield s.outBuf.subarray(0, produced);
        // With LZMA_CONCATENATED the end is only reported under FINISH; a FINISH without
        // progress is LZMA_BUF_ERROR (a truncated stream), so this loop always ends.
        if (r === LZMA_STREAM_END) return;
      }
    };
    for await (const chunk of input) yield* run(chunk);
    yield* run(null);
  } finally {
    l.end(strmPtr);
    strm.fill(0);
    free.push(s);
  }
}
