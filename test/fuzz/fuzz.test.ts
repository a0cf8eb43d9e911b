/**
 * The fuzzer's short pass (300 mutants per parser, fixed seed) and the replay of every crasher
 * it ever found (test/fuzz/regressions/<target>/): each input must parse or fail with a typed
 * error (a NixwrtError with a code), within the time limit and without exhausting memory.
 * The long pass (20,000+ per parser) is `npm run fuzz`; results in FUZZ.md.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Prng, mutate } from '../../scripts/fuzz/mutate.js';
import { TargetWorker, fuzzTarget, minimize, mutateFor } from '../../scripts/fuzz/runner.js';
import { TARGETS, isTargetName } from '../../scripts/fuzz/target.js';
import { slow } from '../helpers/slack.js';

const REGRESSIONS = join(import.meta.dirname, 'regressions');
// Generous: a hang is an input that never finishes, not a slow one on a loaded machine.
const limits = { timeoutMs: slow(20_000), memMb: 512 };

describe('fuzz harness', () => {
  it('mutants are a pure function of (seed, target, iteration)', () => {
    const seeds = [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), new TextEncoder().encode('name: value\n')];
    // Digests: repetition makes some mutants ~1 MB, slow to compare element by element.
    const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const a = Array.from({ length: 50 }, (_, i) => digest(mutateFor(seeds, 7, 'x', i)));
    const b = Array.from({ length: 50 }, (_, i) => digest(mutateFor(seeds, 7, 'x', i)));
    expect(b).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(40);
    expect(digest(mutateFor(seeds, 8, 'x', 0))).not.toBe(a[0]);
  });

  it('mutate never changes its seed input, a Buffer included (Buffer#slice is a view)', () => {
    for (const seed of [new Uint8Array(64).fill(0xaa), Buffer.alloc(64, 0xaa)]) {
      const r = new Prng(3);
      for (let i = 0; i < 300; i++) mutate(seed, [seed], r, [new Uint8Array([1, 2])]);
      expect(seed.every((b) => b === 0xaa)).toBe(true);
    }
  });

  it('minimize keeps only the bytes the failure needs', async () => {
    const input = new TextEncoder().encode('lots of harmless text around the X that matters, and more after it');
    const small = await minimize(input, 500, async (b) => b.includes(0x58));
    expect(new TextDecoder().decode(small)).toBe('X');
  });

  it('classifies outcomes; a hang or a heap blowup ends the worker, and the next input gets a new one', async () => {
    // test/fuzz/misbehave.ts: byte 0 says what to do (see there).
    const w = new TargetWorker('lzma', { timeoutMs: slow(1000), memMb: 64 }, join(import.meta.dirname, 'misbehave.ts'));
    try {
      expect((await w.exec(new Uint8Array([0]))).outcome).toEqual({ kind: 'ok' });
      expect((await w.exec(new Uint8Array([1]))).outcome).toEqual({ kind: 'typed', code: 'bad-magic' });
      expect((await w.exec(new Uint8Array([2]))).outcome).toMatchObject({ kind: 'untyped', name: 'TypeError' });
      expect((await w.exec(new Uint8Array([3]))).outcome).toMatchObject({ kind: 'untyped', name: 'Error', message: 'has a code, but is not ours' });
      expect((await w.exec(new Uint8Array([4]))).outcome).toEqual({ kind: 'hang' });
      expect((await w.exec(new Uint8Array([0]))).outcome).toEqual({ kind: 'ok' });
      expect((await w.exec(new Uint8Array([5]))).outcome).toMatchObject({ kind: 'memory' });
      expect((await w.exec(new Uint8Array([0]))).outcome).toEqual({ kind: 'ok' });
    } finally {
      await w.close();
    }
  });
});

describe('fuzz short pass: 300 mutants per parser', () => {
  for (const t of TARGETS) {
    it(`${t}: every seed parses; no untyped error, hang or memory blowup`, async () => {
      const s = await fuzzTarget(t, { ...limits, iterations: 300, seed: 20261208, minimizeBudget: 100 });
      expect(s.seedFailures).toEqual([]);
      expect(s.crashes.map((c) => `${c.kind} x${c.count}: ${c.signature}: ${c.detail} (iteration ${c.iteration})`)).toEqual([]);
      expect(s.ok + s.typed).toBe(s.iterations);
      // The mutants reach the checks: some fail (typed); for most targets some still parse.
      expect(s.typed).toBeGreaterThan(0);
    });
  }
});

describe('fuzz regressions: every crasher found so far now parses or fails typed', () => {
  const all = existsSync(REGRESSIONS) ? readdirSync(REGRESSIONS).sort() : [];
  const dirs = all.filter(isTargetName);
  it('every directory there is named after a target', () => {
    expect(all.filter((d) => !isTargetName(d))).toEqual([]);
  });
  for (const t of dirs) {
    it(t, async () => {
      const files = readdirSync(join(REGRESSIONS, t)).filter((n) => n.endsWith('.bin')).sort();
      const w = new TargetWorker(t, limits);
      try {
        for (const f of files) {
          const r = await w.exec(new Uint8Array(readFileSync(join(REGRESSIONS, t, f))));
          expect([f, r.outcome.kind]).toEqual([f, expect.stringMatching(/^(ok|typed)$/)]);
        }
      } finally {
        await w.close();
      }
    });
  }
});
