/**
 * Deterministic mutator: the same seed gives the same inputs on every machine. Each mutant is
 * one to four of: bit flips, byte sets, interesting integers written at an offset (8/16/32/64
 * bits, either endianness), splice with another seed, truncation, chunk duplication, chunk
 * removal and ASCII digit/token edits (for the text formats).
 */

/** xorshift32 (as test/helpers/pseudo-random.ts), with helpers for ranges and choices. */
export class Prng {
  private x: number;
  constructor(seed: number) {
    this.x = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x;
  }
  /** 0 <= r < n (n >= 1). */
  below(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }
}

/** Values that sit on the edges parsers check: 0, -1, powers of two and their neighbours. */
const INTERESTING: readonly bigint[] = [
  0n, 1n, 2n, 7n, 8n, 0x10n, 0x20n, 0x3fn, 0x40n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x1000n, 0x7fffn, 0x8000n, 0xffffn, 0x10000n,
  0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn,
];

const TOKENS = ['\n', ':', ' ', '/', '0', '9', '{', '}', '(', ')', ';', '"', '#', '\\', '<', '>', ',', '-', 'a', 'z', '=', '&', '[', ']', '\0'];

/** Cap on mutant size: duplications may grow inputs, but not without bound. */
const MAX_LEN = 1 << 20;

export function mutate(seed: Uint8Array, others: readonly Uint8Array[], r: Prng): Uint8Array {
  let b = seed.slice();
  const steps = 1 + r.below(4);
  for (let s = 0; s < steps; s++) b = step(b, others, r);
  return b.length > MAX_LEN ? b.subarray(0, MAX_LEN) : b;
}

function step(b: Uint8Array, others: readonly Uint8Array[], r: Prng): Uint8Array {
  const n = b.length;
  const at = () => r.below(n);
  switch (r.below(10)) {
    case 0: {
      // Bit flips, clustered near one place (headers) or anywhere.
      if (n === 0) return b;
      const k = 1 + r.below(4);
      for (let i = 0; i < k; i++) {
        const p = at();
        b[p]! ^= 1 << r.below(8);
      }
      return b;
    }
    case 1: {
      if (n === 0) return b;
      b[at()] = r.below(256);
      return b;
    }
    case 2: {
      // An interesting integer at an offset; aligned offsets hit header fields more often.
      const width = r.pick([1, 2, 4, 8]);
      if (n < width) return b;
      let p = r.below(n - width + 1);
      if (r.below(2) === 0) p -= p % width;
      const v = r.pick(INTERESTING);
      const le = r.below(2) === 0;
      for (let i = 0; i < width; i++) {
        const byte = Number((v >> BigInt(8 * i)) & 0xffn);
        b[le ? p + i : p + width - 1 - i] = byte;
      }
      return b;
    }
    case 3: {
      // Add or subtract a small amount from one byte (lengths off by a few).
      if (n === 0) return b;
      const p = at();
      b[p] = (b[p]! + r.below(33) - 16) & 0xff;
      return b;
    }
    case 4: {
      // Truncate.
      return b.slice(0, r.below(n + 1));
    }
    case 5: {
      // Duplicate a chunk in place.
      if (n === 0) return b;
      const from = at();
      const len = 1 + r.below(Math.min(n - from, 256));
      const to = r.below(n + 1);
      return concat(b.subarray(0, to), b.subarray(from, from + len), b.subarray(to));
    }
    case 6: {
      // Remove a chunk.
      if (n === 0) return b;
      const from = at();
      const len = 1 + r.below(Math.min(n - from, 64));
      return concat(b.subarray(0, from), b.subarray(from + len));
    }
    case 7: {
      // Splice: our head, another seed's tail.
      const o = r.pick(others);
      if (!o || o.length === 0) return b;
      return concat(b.subarray(0, r.below(n + 1)), o.subarray(r.below(o.length)));
    }
    case 8: {
      // Overwrite a chunk with bytes from elsewhere in the input (moved tables, copied fields).
      if (n < 2) return b;
      const len = 1 + r.below(Math.min(n, 32));
      const from = r.below(n - len + 1);
      const to = r.below(n - len + 1);
      b.copyWithin(to, from, from + len);
      return b;
    }
    default: {
      // A token the text formats care about, inserted or overwritten (repeated now and then).
      const t = new TextEncoder().encode(r.pick(TOKENS).repeat(r.below(8) === 0 ? 1 + r.below(200) : 1));
      const p = r.below(n + 1);
      if (r.below(2) === 0) return concat(b.subarray(0, p), t, b.subarray(p));
      const out = b.slice();
      out.set(t.subarray(0, Math.max(0, n - p)), p);
      return out;
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
