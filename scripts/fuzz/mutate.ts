/**
 * Deterministic mutator: the same seed gives the same inputs on every machine. Each mutant is
 * one to four of: bit flips, byte sets, interesting integers written at an offset (8/16/32/64
 * bits, either endianness), splice with another seed, truncation, chunk duplication, chunk
 * removal, a chunk repeated hundreds or thousands of times (deep nesting, long runs), and
 * tokens inserted from a small generic list or the target's dictionary (for the text formats).
 */
import { concatBytes } from '../../src/kernel/uimage/writer.js';

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

export function mutate(seed: Uint8Array, others: readonly Uint8Array[], r: Prng, dictionary: readonly Uint8Array[] = []): Uint8Array {
  // A copy (Buffer#slice would be a view: the seed itself would change).
  let b: Uint8Array = new Uint8Array(seed);
  // Half the mutants differ from their seed in one place only: a deep change (thousands of
  // brackets) then meets the code it aims at instead of an earlier syntax error.
  const steps = r.below(2) === 0 ? 1 : 2 + r.below(3);
  for (let s = 0; s < steps; s++) b = step(b, others, r, dictionary);
  return b.length > MAX_LEN ? b.subarray(0, MAX_LEN) : b;
}

function step(b: Uint8Array, others: readonly Uint8Array[], r: Prng, dictionary: readonly Uint8Array[]): Uint8Array {
  const n = b.length;
  const at = () => r.below(n);
  switch (r.below(dictionary.length > 0 ? 13 : 11)) {
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
      return b.subarray(0, r.below(n + 1));
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
    case 10: {
      // A short chunk repeated many times: nesting ("(", "a {"), long runs, huge counts.
      if (n === 0) return b;
      let from = at();
      let len = 1 + r.below(Math.min(n - from, 16));
      if (r.below(2) === 0) {
        // Half the time an opening bracket or quote at or after `from`, alone: deep nesting.
        const c = r.pick([0x28, 0x5b, 0x7b, 0x3c, 0x22]); // ( [ { < "
        const open = b.indexOf(c, from) >= 0 ? b.indexOf(c, from) : b.indexOf(c);
        if (open >= 0) [from, len] = [open, 1];
      }
      const times = r.pick([100, 2000, 20000, 60000]);
      const unit = b.subarray(from, from + len);
      const rep = new Uint8Array(Math.min(len * times, MAX_LEN));
      for (let o = 0; o < rep.length; o += len) rep.set(unit.subarray(0, Math.min(len, rep.length - o)), o);
      return concat(b.subarray(0, from), rep, b.subarray(from));
    }
    case 11:
    case 12: {
      // A word from the target's dictionary (keywords, directives, field names), inserted.
      const w = r.pick(dictionary);
      const p = r.below(n + 1);
      return concat(b.subarray(0, p), w, b.subarray(p));
    }
    default: {
      // A token the text formats care about, inserted or overwritten (repeated now and then).
      const t = new TextEncoder().encode(r.pick(TOKENS).repeat(r.below(8) === 0 ? 1 + r.below(200) : 1));
      const p = r.below(n + 1);
      if (r.below(2) === 0) return concat(b.subarray(0, p), t, b.subarray(p));
      const out = new Uint8Array(b);
      out.set(t.subarray(0, Math.max(0, n - p)), p);
      return out;
    }
  }
}

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

/** Values a JSON mutation puts in place of another: wrong types, edges, huge and deep ones. */
function jsonValue(r: Prng): unknown {
  switch (r.below(14)) {
    case 0: return null;
    case 1: return r.below(2) === 0;
    case 2: return r.pick([0, -1, 1.5, 2 ** 53 + 2, -(2 ** 63), 1e300, 65536, 0x7fffffff]);
    case 3: return '';
    case 4: return 'x'.repeat(r.pick([1, 64, 4096, 100_000]));
    case 5: return r.pick(['\u0000', '..', '/', '../../etc', 'a\nb', '\ud800', 'sshd', 'busybox', '/nix/store/', '10.0.0.1']);
    case 6: return [];
    case 7: return {};
    case 8:
      // Deep nesting, for recursive walkers; spliced in as text (JSON.stringify would recurse).
      return `@@deep:${r.pick([100, 3000, 20000])}:${r.pick(['[', '{'])}@@`;
    case 9: return Object.fromEntries(Array.from({ length: r.pick([2, 500]) }, (_, i) => [`k${i}`, i]));
    case 10: return JSON.parse('{"__proto__": {"polluted": true}}');
    case 11: return Array.from({ length: r.pick([2, 1000]) }, (_, i) => i);
    default: return r.pick(['constructor', 'toString', 'override', 'name', 'options']);
  }
}

/**
 * A structural JSON mutation: parse, then at a random place replace a value, delete or rename
 * a key, duplicate an array element or add a key; serialize again. Gets past JSON.parse, which
 * byte mutations mostly do not.
 */
export function mutateJson(seed: Uint8Array, r: Prng): Uint8Array | undefined {
  let root: unknown;
  try {
    root = JSON.parse(new TextDecoder().decode(seed));
  } catch {
    return undefined;
  }
  const holder = { root };
  for (let step = 1 + r.below(3); step > 0; step--) {
    // Walk down from the root to a random container, then change one of its slots.
    let parent: Record<string, unknown> | unknown[] = holder;
    let key: string | number = 'root';
    for (let depth = 0; depth < 8; depth++) {
      const v: unknown = (parent as Record<string | number, unknown>)[key];
      if (v === null || typeof v !== 'object' || r.below(4) === 0) break;
      const keys: Array<string | number> = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
      if (keys.length === 0) break;
      parent = v as Record<string, unknown>;
      key = r.pick(keys);
    }
    const p = parent as Record<string | number, unknown>;
    switch (r.below(5)) {
      case 0:
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else if (parent !== holder) delete p[key];
        break;
      case 1:
        if (Array.isArray(parent)) parent.splice(Number(key), 0, parent[Number(key)]);
        else if (parent !== holder) p[`${String(key)}${r.pick(['', 'x', 's'])}`] = p[key];
        break;
      case 2:
        if (!Array.isArray(parent) && parent !== holder) p[r.pick(['name', 'options', 'override', 'extra', '__proto__', 'version'])] = jsonValue(r);
        else p[key] = jsonValue(r);
        break;
      default:
        p[key] = jsonValue(r);
    }
  }
  const out = JSON.stringify(holder.root).replace(/"@@deep:(\d+):([[{])@@"/g, (_, n: string, open: string) =>
    open === '[' ? `${'['.repeat(Number(n))}1${']'.repeat(Number(n))}` : `${'{"a":'.repeat(Number(n))}1${'}'.repeat(Number(n))}`,
  );
  return new TextEncoder().encode(out);
}
