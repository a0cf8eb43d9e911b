import { createRequire } from 'node:module';
import { Duplex, PassThrough, Readable } from 'node:stream';
import { FetchError } from './errors.js';
import { haveNativeDecoder, nativeDecode } from './native-decode.js';

// Untyped CommonJS packages, loaded on first use (start-up stays light), each with the one
// call that is used.
const require = createRequire(import.meta.url);
// node:zlib too (gzip and br NARs are rare; the module costs start-up time).
const zlib = (): typeof import('node:zlib') => require('node:zlib') as typeof import('node:zlib');
type Lzma = { createDecompressor(opts: { bufsize: number }): Duplex };
const lzma = (): Lzma => require('lzma-native') as Lzma;
const unbzip2 = (): Duplex => (require('unbzip2-stream') as () => Duplex)();
// zstd-napi's raw binding: a streaming DCtx without the Transform machinery around it.
type ZstdDCtx = { decompressStream(dst: Uint8Array, src: Uint8Array): [number, number, number]; reset(directive: number): void };
type ZstdBinding = { DCtx: new () => ZstdDCtx };
const zstdBinding = (): ZstdBinding => require('zstd-napi/binding.js') as ZstdBinding;

/** Compression methods of narinfos; a missing Compression field means bzip2. */
export const COMPRESSIONS = ['xz', 'zstd', 'bzip2', 'none', 'gzip', 'br'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export function isCompression(s: string): s is Compression {
  return (COMPRESSIONS as readonly string[]).includes(s);
}

function decoder(method: Exclude<Compression, 'zstd' | 'none'>): Duplex {
  switch (method) {
    case 'xz':
      return lzma().createDecompressor({ bufsize: 1 << 20 });
    case 'bzip2':
      return adaptClassic(unbzip2());
    case 'gzip':
      return zlib().createGunzip();
    case 'br':
      return zlib().createBrotliDecompress();
  }
}

/** unbzip2-stream is a classic (through) stream; wrap it as a streams3 Duplex. */
function adaptClassic(s: Duplex): Duplex {
  const out = new PassThrough();
  s.on('data', (d: Buffer) => out.write(d));
  s.on('end', () => out.end());
  s.on('error', (e: Error) => out.destroy(e));
  const input = new PassThrough();
  input.on('data', (d: Buffer) => s.write(d));
  input.on('end', () => s.end());
  return Duplex.from({ writable: input, readable: out });
}

/**
 * Decompress a stream by a narinfo's Compression value. Errors from a corrupt stream are
 * FetchError('decompress'); the caller adds the store path and URL. A chunk may be a view of
 * a reused buffer: use (or copy) it before asking for the next one. `sysLibs: false` decodes xz
 * and bzip2 with the JS packages even when the system libraries load (tests compare the two).
 */
export async function* decompress(
  method: string,
  input: AsyncIterable<Uint8Array>,
  opts: { sysLibs?: boolean } = {},
): AsyncGenerator<Uint8Array> {
  if (!isCompression(method)) throw new FetchError('decompress', `unsupported compression ${JSON.stringify(method)}`);
  if (method === 'none') {
    yield* batched(input);
    return;
  }
  if (method === 'zstd') {
    yield* zstd(input);
    return;
  }
  // The system liblzma / libbz2 when they load (see native-decode.ts); JS packages otherwise.
  if ((method === 'xz' || method === 'bzip2') && opts.sysLibs !== false && haveNativeDecoder(method)) {
    yield* nativeDecode(method, input);
    return;
  }
  const d = decoder(method);
  const src = Readable.from(batched(input), { objectMode: false });
  let srcError: unknown;
  src.on('error', (e) => {
    srcError = e;
    d.destroy(e);
  });
  src.pipe(d);
  try {
    for await (const chunk of d as AsyncIterable<Buffer>) yield chunk;
  } catch (err) {
    if (srcError !== undefined) throw srcError; // a download error, not a decoding one
    throw new FetchError('decompress', `${method} stream is corrupt: ${(err as Error).message}`, { cause: err });
  } finally {
    src.destroy();
    d.destroy();
  }
  if (srcError !== undefined) throw srcError;
}

/** Network reads arrive in 16-64 KiB pieces: decoders and the stages after them work per ~512 KiB. */
const BATCH = 512 << 10;

/**
 * Input regrouped into fresh chunks of BATCH bytes (the last may be shorter). Input chunks may
 * be views of reused buffers (HTTP bodies are), so each byte is copied once, when it arrives.
 */
async function* batched(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let acc = Buffer.allocUnsafe(BATCH);
  let fill = 0;
  for await (const chunk of input) {
    for (let pos = 0; pos < chunk.length; ) {
      const n = Math.min(BATCH - fill, chunk.length - pos);
      acc.set(chunk.subarray(pos, pos + n), fill);
      fill += n;
      pos += n;
      if (fill === BATCH) {
        yield acc;
        acc = Buffer.allocUnsafe(BATCH);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield acc.subarray(0, fill);
}

const ZSTD_OUT = 1 << 20;
const ZSTD_RESET_SESSION = 1;
/** Contexts and output buffers of finished decodes: reused, so their pages are already mapped. */
const zstdFree: Array<{ dctx: ZstdDCtx; dst: Buffer; src: Buffer }> = [];

/**
 * zstd straight on the binding into one reused 1 MiB buffer: a large output buffer lets zstd
 * decode in place, and reuse (also across NARs) avoids page-faulting fresh memory. Input is
 * gathered into a reused BATCH-byte buffer first. Each chunk is a view of the output buffer,
 * valid until the consumer asks for the next one.
 */
async function* zstd(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const slot = zstdFree.pop() ?? { dctx: new (zstdBinding().DCtx)(), dst: Buffer.allocUnsafe(ZSTD_OUT), src: Buffer.allocUnsafe(BATCH) };
  const { dctx, dst } = slot;
  let inFrame = false;
  function* run(input: Uint8Array): Generator<Uint8Array> {
    let src = input;
    for (;;) {
      let ret: number, produced: number, consumed: number;
      try {
        [ret, produced, consumed] = dctx.decompressStream(dst, src);
      } catch (err) {
        throw new FetchError('decompress', `zstd stream is corrupt: ${(err as Error).message}`, { cause: err });
      }
      if (produced > 0) yield dst.subarray(0, produced);
      src = src.subarray(consumed);
      inFrame = ret !== 0;
      if (src.length === 0 && (produced < ZSTD_OUT || ret === 0)) break;
    }
  }
  try {
    let fill = 0;
    for await (const chunk of input) {
      if (fill === 0 && chunk.length >= BATCH) {
        yield* run(chunk);
        continue;
      }
      for (let pos = 0; pos < chunk.length; ) {
        const n = Math.min(BATCH - fill, chunk.length - pos);
        slot.src.set(chunk.subarray(pos, pos + n), fill);
        fill += n;
        pos += n;
        if (fill === BATCH) {
          yield* run(slot.src);
          fill = 0;
        }
      }
    }
    if (fill > 0) yield* run(slot.src.subarray(0, fill));
    if (inFrame) throw new FetchError('decompress', 'zstd stream is corrupt: it ends in the middle of a frame');
  } finally {
    dctx.reset(ZSTD_RESET_SESSION);
    zstdFree.push(slot);
  }
}
