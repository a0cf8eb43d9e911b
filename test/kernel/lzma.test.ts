import { describe, expect, it } from 'vitest';
import {
  LzmaError,
  decodeLzmaAlone,
  decodeLzmaAloneDetailed,
  encodeLzmaAlone,
  readLzmaHeader,
} from '../../src/kernel/lzma/index.js';
import { BinTreeMatchFinder } from '../../src/kernel/lzma/match-finder.js';
import { ThreadedMatchFinder } from '../../src/kernel/lzma/threaded-match-finder.js';
import { createPool } from '../../src/workers/pool.js';
import { mipsSample, randomBytes, text } from './lzma-samples.js';

const edge: [string, Uint8Array][] = [
  ['empty', new Uint8Array(0)],
  ['one byte', Uint8Array.of(0x42)],
  ['two bytes', Uint8Array.of(0, 0)],
  ['zeros', new Uint8Array(200_000)],
  ['random', randomBytes(100_000)],
  ['text', text(150_000)],
  ['alternating', Uint8Array.from({ length: 5000 }, (_, i) => (i & 1 ? 0xaa : 0x55))],
];

function expectCode(fn: () => unknown, code: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(LzmaError);
  expect((err as LzmaError).code).toBe(code);
}

describe('lzma header', () => {
  it('defaults to props 0x6D, an 8 MiB dictionary and the real size', () => {
    const input = text(1000);
    const out = encodeLzmaAlone(input);
    // Built independently of the writer: 0x6D = (2*5+2)*9+1, 0x00800000 LE, 1000 LE64.
    expect(Array.from(out.subarray(0, 13))).toEqual([0x6d, 0, 0, 0x80, 0, 0xe8, 0x03, 0, 0, 0, 0, 0, 0]);
    expect(readLzmaHeader(out)).toEqual({ lc: 1, lp: 2, pb: 2, dictSize: 8 << 20, size: 1000n });
  });

  it.each([
    [{ lc: 9 }, 'lc'],
    [{ lp: 5 }, 'lp'],
    [{ pb: -1 }, 'pb'],
    [{ dictSize: 4095 }, 'dictSize'],
    [{ dictSize: 1536 * 1024 * 1024 + 1 }, 'dictSize'],
    [{ niceLen: 4 }, 'niceLen'],
    [{ depth: 0 }, 'depth'],
    [{ lc: 1.5 }, 'lc'],
  ])('rejects %o with bad-option', (opts, name) => {
    expectCode(() => encodeLzmaAlone(new Uint8Array(1), opts), 'bad-option');
    expect(() => encodeLzmaAlone(new Uint8Array(1), opts)).toThrow(name);
  });

  it('accepts the extremes of each range', () => {
    for (const o of [{ dictSize: 4096 }, { lc: 8, lp: 4, pb: 4 }, { lc: 0, lp: 0, pb: 0 }, { niceLen: 273 }, { niceLen: 5 }]) {
      const input = text(3000);
      expect(decodeLzmaAlone(encodeLzmaAlone(input, o))).toEqual(input);
    }
  });
});

describe.each(['normal', 'fast'] as const)('lzma round trip (%s)', (mode) => {
  it.each(edge)('%s', (_name, input) => {
    const out = encodeLzmaAlone(input, { mode });
    const r = decodeLzmaAloneDetailed(out); // strict by default
    expect(r.data).toEqual(input);
    expect(r.header.size).toBe(BigInt(input.length));
    // No end marker: the range decoder ends on the last byte with a zero code.
    expect(r.endMarker).toBe(false);
    expect(r.consumed).toBe(out.length);
    expect(r.cleanEnd).toBe(true);
  });

  it('compresses what is compressible', () => {
    expect(encodeLzmaAlone(new Uint8Array(200_000), { mode }).length).toBeLessThan(150);
    expect(encodeLzmaAlone(text(150_000), { mode }).length).toBeLessThan(150_000 / 5);
    // Incompressible data grows by little.
    expect(encodeLzmaAlone(randomBytes(100_000), { mode }).length).toBeLessThan(100_000 * 1.02 + 64);
  });

  it('round-trips real MIPS code', () => {
    const input = mipsSample(512 * 1024);
    if (!input) return;
    expect(decodeLzmaAlone(encodeLzmaAlone(input, { mode }))).toEqual(input);
  });

  it('round-trips every lc/lp/pb combination', async () => {
    const input = new Uint8Array([...text(1500), ...randomBytes(300, 3), ...text(1200)]);
    for (let lc = 0; lc <= 8; lc++)
      for (let lp = 0; lp <= 4; lp++)
        for (let pb = 0; pb <= 4; pb++) {
          const out = encodeLzmaAlone(input, { lc, lp, pb, mode });
          expect(out[0]).toBe((pb * 5 + lp) * 9 + lc);
          expect(decodeLzmaAlone(out)).toEqual(input);
          // Let vitest's worker answer its RPCs between long synchronous runs.
          await new Promise((r) => setImmediate(r));
        }
  });

  it('keeps every distance inside a small dictionary', () => {
    // A block repeated 6000 bytes later: out of reach of a 4 KiB dictionary.
    const block = randomBytes(3000, 9);
    const input = new Uint8Array([...block, ...randomBytes(3000, 10), ...block, ...block]);
    const out = encodeLzmaAlone(input, { mode, dictSize: 4096 });
    expect(decodeLzmaAlone(out)).toEqual(input); // the decoder rejects distances beyond the dictionary
    expect(out.length).toBeGreaterThan(6000); // the far copy could not be used
  });
});

describe('lzma seeded fuzz', () => {
  // Inputs built from literals, copies at recent (rep) and random distances, long runs and
  // flipped bits, encoded with random lc/lp/pb, niceLen, depth, mode and small dictionaries.
  it('round-trips 80 random streams and options', async () => {
    let x = 12345;
    const rnd = (n: number): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    for (let t = 0; t < 80; t++) {
      const n = 1 + rnd(t % 20 === 0 ? 100_000 : 5000);
      const data = new Uint8Array(n);
      const alpha = 1 + rnd(255);
      const reps = [1, 2, 3, 4];
      for (let i = 0; i < n; ) {
        const k = rnd(10);
        if (k < 4 || i < 2) {
          data[i++] = rnd(alpha);
          continue;
        }
        const d = Math.min(i, k < 7 ? reps[rnd(4)]! : 1 + rnd(Math.min(i, k === 9 ? 70_000 : 300)));
        reps.unshift(d);
        reps.length = 4;
        for (let len = 2 + rnd(k === 8 ? 400 : 20); len > 0 && i < n; len--, i++) data[i] = data[i - d]! ^ (rnd(50) === 0 ? 1 : 0);
      }
      const opts = {
        lc: rnd(9),
        lp: rnd(5),
        pb: rnd(5),
        niceLen: 5 + rnd(269),
        depth: 1 + rnd(64),
        mode: rnd(3) ? ('normal' as const) : ('fast' as const),
        dictSize: rnd(2) ? 4096 + rnd(100_000) : 1 << 23,
      };
      const r = decodeLzmaAloneDetailed(encodeLzmaAlone(data, opts));
      if (!Buffer.from(r.data).equals(Buffer.from(data)) || r.endMarker || !r.cleanEnd) {
        expect.fail(`case ${t}: ${JSON.stringify(opts)}, ${n} bytes`);
      }
      await new Promise((res) => setImmediate(res));
    }
  });
});

describe('lzma determinism and the worker pool', () => {
  const input = new Uint8Array([...text(60_000), ...(mipsSample(200_000) ?? randomBytes(50_000))]);
  const once = encodeLzmaAlone(input);

  it('gives the same bytes twice', () => {
    expect(encodeLzmaAlone(input)).toEqual(once);
  });

  it.each([0, 1, 2])('gives the same bytes through the pool with %i threads', async (threads) => {
    const pool = createPool({ threads });
    try {
      const copy = input.slice();
      const r = await pool.run('lzma.encode', { data: copy, opts: {} }, threads > 0 ? [copy.buffer] : undefined);
      expect(r.data).toEqual(once);
    } finally {
      await pool.close();
    }
  });
});

describe('lzma match finder thread', () => {
  it('reports exactly what the in-thread finder reports, position by position', () => {
    const input = mipsSample(768 * 1024) ?? text(800_000);
    // A 4096-int ring: wraps hundreds of times and makes the finder thread wait for room.
    const threaded = ThreadedMatchFinder.start(input, 1 << 23, 48, 24, 4096);
    expect(threaded).toBeDefined();
    const local = new BinTreeMatchFinder(input, 1 << 23, 48, 24);
    try {
      let pairs = 0;
      for (let p = 0; p < input.length; ) {
        if (p % 7 === 3) {
          // The parsers skip inside matches; the thread computes and drops those positions.
          const k = Math.min(5, input.length - p);
          threaded!.skip(k);
          local.skip(k);
          p += k;
          continue;
        }
        const a = threaded!.find();
        const b = local.find();
        expect(a).toBe(b);
        for (let i = 0; i < 2 * a; i++) if (threaded!.matches[i] !== local.matches[i]) expect.fail(`pair ${i} differs at ${p}`);
        pairs += a;
        p++;
      }
      expect(threaded!.pos).toBe(input.length);
      expect(pairs).toBeGreaterThan(input.length / 4); // it did find matches
    } finally {
      threaded?.close();
    }
  });

  it.each(['normal', 'fast'] as const)('gives the same bytes with and without the thread (%s)', (mode) => {
    const input = mipsSample(256 * 1024) ?? text(300_000);
    const a = encodeLzmaAlone(input, { mode, matchFinderThread: true });
    const b = encodeLzmaAlone(input, { mode, matchFinderThread: false });
    expect(a).toEqual(b);
    expect(decodeLzmaAlone(a)).toEqual(input);
  });
});

describe('lzma decoder on bad input', () => {
  const good = encodeLzmaAlone(text(20_000));

  it('reports a stream shorter than the header', () => {
    expectCode(() => decodeLzmaAlone(good.subarray(0, 12)), 'truncated');
  });

  it('reports truncated data', () => {
    expectCode(() => decodeLzmaAlone(good.subarray(0, good.length - 10)), 'truncated');
  });

  it('reports trailing bytes in strict mode and ignores them otherwise', () => {
    const longer = new Uint8Array([...good, 1, 2, 3]);
    expectCode(() => decodeLzmaAlone(longer), 'trailing-data');
    expect(decodeLzmaAlone(longer, { strict: false })).toEqual(text(20_000));
  });

  it('rejects a bad props byte', () => {
    const bad = good.slice();
    bad[0] = 225;
    expectCode(() => decodeLzmaAlone(bad), 'bad-props');
  });

  it('refuses a forged huge size without allocating it', () => {
    const forged = good.slice();
    new DataView(forged.buffer).setBigUint64(5, 1n << 40n, true);
    expectCode(() => decodeLzmaAlone(forged), 'too-large');
    // Under the limit but far beyond the data: fails on the data, memory stays small.
    new DataView(forged.buffer).setBigUint64(5, 900_000_000n, true);
    const before = process.memoryUsage().arrayBuffers;
    expectCode(() => decodeLzmaAlone(forged), 'truncated');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
  });

  it('reports data that decodes past the announced size', () => {
    const short = good.slice();
    new DataView(short.buffer).setBigUint64(5, 19_000n, true);
    // Either a symbol crosses the announced end (corrupt) or symbols are left over.
    expect(() => decodeLzmaAlone(short)).toThrow(/announced size|after the last symbol/);
  });

  it('needs an end marker when the size is unknown', () => {
    const unknown = good.slice();
    new DataView(unknown.buffer).setBigUint64(5, 0xffff_ffff_ffff_ffffn, true);
    // Our stream has no end marker, so the decoder runs off the end of the data.
    expectCode(() => decodeLzmaAlone(unknown), 'truncated');
  });
});
