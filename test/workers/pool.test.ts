import { describe, expect, it } from 'vitest';
import { INLINE_MAX_BYTES, createPool } from '../../src/workers/pool.js';
import { slow } from '../helpers/slack.js';

describe('task pool', () => {
  const input = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
  const expectedSum = input.reduce((a, b) => a + b, 0);

  it.each([0, 1, 2])('gives the same result with %i worker threads', async (threads) => {
    const pool = createPool({ threads });
    try {
      const copy = input.slice();
      const out = await pool.run('selftest.reverse', { data: copy }, threads > 0 ? [copy.buffer] : undefined);
      expect(out.sum).toBe(expectedSum);
      expect(Array.from(out.data)).toEqual(Array.from(input).reverse());
      if (threads > 0) expect(copy.byteLength).toBe(0); // moved, not copied
    } finally {
      await pool.close();
    }
  });

  it('starts no threads until a task needs one, and runs the first inlineFirst tasks on the calling thread', async () => {
    let starts = 0;
    const unused = createPool({ threads: 2, onStart: () => starts++ });
    await unused.close();
    expect(starts).toBe(0);
    const pool = createPool({ threads: 1, inlineFirst: 1, onStart: () => starts++ });
    try {
      const a = input.slice();
      expect((await pool.run('selftest.reverse', { data: a }, [a.buffer])).sum).toBe(expectedSum);
      expect(starts).toBe(0);
      expect(a.byteLength).toBe(input.length); // ran inline: nothing was moved
      const b = input.slice();
      expect((await pool.run('selftest.reverse', { data: b }, [b.buffer])).sum).toBe(expectedSum);
      expect(starts).toBe(1);
      expect(b.byteLength).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('never runs a large task inline: a kernel-sized input goes to a thread at once', async () => {
    let starts = 0;
    const pool = createPool({ threads: 1, inlineFirst: 2, onStart: () => starts++ });
    try {
      const big = new Uint8Array(INLINE_MAX_BYTES + 1).fill(1);
      expect((await pool.run('selftest.reverse', { data: big }, [big.buffer])).sum).toBe(INLINE_MAX_BYTES + 1);
      expect(starts).toBe(1);
      expect(big.byteLength).toBe(0); // moved to the thread
    } finally {
      await pool.close();
    }
  });
});

describe('task pool shutdown', () => {
  // Closing a pool while a second worker is still loading its entry once aborted the whole
  // process on Node 20 (a V8 fatal error inside require() of an ES module); the entry is
  // CommonJS now. Before that fix this loop crashed in about one run of three.
  it('survives being closed while its workers are still starting', async () => {
    for (let i = 0; i < 80; i++) {
      const pool = createPool({ threads: 2 });
      const out = await pool.run('selftest.reverse', { data: new Uint8Array([1, 2, 3]) });
      expect(out.sum).toBe(6);
      await pool.close();
    }
  }, slow(120_000));
});
