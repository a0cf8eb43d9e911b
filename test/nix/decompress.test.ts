import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decompress } from '../../src/nix/decompress.js';
import { FetchError } from '../../src/nix/errors.js';
import { haveNativeDecoder } from '../../src/nix/native-decode.js';
import { havePeers, haveRequirement } from '../helpers/peer.js';
import { pseudoRandom } from '../helpers/pseudo-random.js';

const require = createRequire(import.meta.url);
type Zstd = { compress(data: Uint8Array, params?: Record<string, unknown>): Buffer };
type Lzma = { createCompressor(opts: { preset: number }): Duplex };

async function xz(data: Uint8Array): Promise<Buffer> {
  const c = (require('lzma-native') as Lzma).createCompressor({ preset: 1 });
  const parts: Buffer[] = [];
  c.on('data', (d: Buffer) => parts.push(d));
  const done = new Promise((r) => c.on('end', r));
  c.end(Buffer.from(data));
  await done;
  return Buffer.concat(parts);
}

const zstd = (data: Uint8Array): Buffer => (require('zstd-napi') as Zstd).compress(data);
const bzip2 = async (data: Uint8Array): Promise<Buffer> => execFileSync('bzip2', ['-1', '-c'], { input: data, maxBuffer: 1 << 26 });

/** Half random, half repetitive text: both LZMA2 chunk kinds, several output buffers' worth. */
function sample(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  b.set(pseudoRandom(size / 2, seed));
  b.write('line of a compressible text file\n'.repeat(Math.ceil(size / 64)), size / 2);
  return b;
}

function chunks(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

async function decodeAll(method: string, input: Uint8Array[], opts?: { sysLibs?: boolean }): Promise<Buffer> {
  async function* src(): AsyncGenerator<Uint8Array> {
    yield* input;
  }
  const parts: Buffer[] = [];
  for await (const c of decompress(method, src(), opts)) parts.push(Buffer.from(c)); // views: copy
  return Buffer.concat(parts);
}

const flip = (b: Buffer, at: number): Buffer => {
  const c = Buffer.from(b);
  c[at] ^= 0x55;
  return c;
};

const compressors = { xz, bzip2 } as const;
for (const method of ['xz', 'bzip2'] as const) {
  const native = haveRequirement(haveNativeDecoder(method), `the system ${method === 'xz' ? 'liblzma' : 'libbz2'} through koffi`);
  const compress = compressors[method];
  const fallback = method === 'xz' ? 'lzma-native' : 'unbzip2-stream';
  describe.skipIf(method === 'bzip2' && !havePeers('bzip2'))(`${method} decoding`, () => {
    for (const sysLibs of [true, false]) {
      const name = sysLibs ? 'system library' : fallback;
      // unbzip2-stream decodes about 1 MB/s: smaller inputs for it.
      const big = method === 'bzip2' && !sysLibs ? 300_000 : 3 << 20;
      it.skipIf(sysLibs && !native)(`${name}: any chunking, several MiB of output, concatenated streams`, async () => {
        const a = sample(big, 1);
        const b = sample(100_000, 2);
        const file = Buffer.concat([await compress(a), await compress(b)]);
        for (const size of [1, 4093, 1 << 20, file.length]) {
          const input = size === 1 ? [...chunks(file.subarray(0, 5000), 1), file.subarray(5000)] : chunks(file, size);
          expect((await decodeAll(method, input, { sysLibs })).equals(Buffer.concat([a, b]))).toBe(true);
        }
      });

      it.skipIf(sysLibs && !native)(`${name}: corrupt, truncated and trailing garbage are decompress errors`, async () => {
        const file = await compress(sample(300_000, 3));
        const bad = [flip(file, Math.floor(file.length / 2)), file.subarray(0, file.length - 10), Buffer.concat([file, Buffer.from('garbage!')])];
        for (const input of bad) {
          const err = await decodeAll(method, [input], { sysLibs }).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(FetchError);
          expect((err as FetchError).code).toBe('decompress');
          expect((err as Error).message).toMatch(new RegExp(`${method} stream is corrupt`));
        }
        // A decoder whose last use failed (or was abandoned) decodes the next stream correctly.
        const good = sample(200_000, 4);
        const goodFile = await compress(good);
        for await (const _ of decompress(method, (async function* () { yield goodFile; })(), { sysLibs })) break;
        expect((await decodeAll(method, [goodFile], { sysLibs })).equals(good)).toBe(true);
      });
    }

    it.skipIf(!native)('several decodes in flight at once keep their own buffers', async () => {
      const inputs = [sample(2 << 20, 5), sample(1 << 20, 6), sample(3000, 7)];
      const files = await Promise.all(inputs.map(compress));
      const outs = await Promise.all(files.map((f) => decodeAll(method, chunks(f, 10_000))));
      outs.forEach((o, i) => expect(o.equals(inputs[i]!)).toBe(true));
    });
  });
}

describe('zstd decoding', () => {
  it('reuses contexts safely: after a corrupt stream, an abandoned one, and in parallel', async () => {
    const a = sample(3 << 20, 8);
    const file = zstd(a);
    const err = await decodeAll('zstd', [flip(file, 1)]).catch((e: unknown) => e); // the magic number: raw blocks carry no checksum
    expect((err as FetchError).code).toBe('decompress');
    const trunc = await decodeAll('zstd', [file.subarray(0, file.length - 5)]).catch((e: unknown) => e);
    expect((trunc as FetchError).code).toBe('decompress');
    for await (const _ of decompress('zstd', (async function* () { yield file; })())) break;
    const outs = await Promise.all([decodeAll('zstd', chunks(file, 7000)), decodeAll('zstd', [file]), decodeAll('zstd', chunks(file, 1 << 20))]);
    for (const o of outs) expect(o.equals(a)).toBe(true);
  });
});
