import { describe, expect, it } from 'vitest';
import { createPool } from '../../src/workers/pool.js';

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
});
