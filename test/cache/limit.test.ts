/**
 * The artefact cache limit applied after each build, and per-stage cache use in the timings.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../src/build.js';
import { ArtefactStore } from '../../src/cache/index.js';
import { cacheMaxSize, DEFAULT_CACHE_MAX_SIZE } from '../../src/cache/limit.js';

const root = join(import.meta.dirname, '..', '..');

describe('artefact cache limit', () => {
  it('comes from the option, else $NIXWRT_CACHE_MAX_SIZE, else 2 GiB; a bad value is an error', () => {
    expect(cacheMaxSize(123, { NIXWRT_CACHE_MAX_SIZE: '1G' })).toBe(123);
    expect(cacheMaxSize(undefined, { NIXWRT_CACHE_MAX_SIZE: '500M' })).toBe(500 * 1024 ** 2);
    expect(cacheMaxSize(undefined, {})).toBe(DEFAULT_CACHE_MAX_SIZE);
    expect(() => cacheMaxSize(undefined, { NIXWRT_CACHE_MAX_SIZE: 'lots' })).toThrow(/NIXWRT_CACHE_MAX_SIZE=lots/);
  });

  it('a build trims the cache to the limit, and its timings say which stage used the cache', async () => {
    const work = mkdtempSync(join(tmpdir(), 'nixwrt-limit-'));
    const cacheDir = join(work, 'cache');
    const limit = 1 << 20;
    const r = await build({ config: join(root, 'examples', 'emu.ts'), outDir: join(work, 'out'), cacheDir, cacheMaxSize: limit, jobs: 1 });
    expect(r.cache.gc).toBeDefined();
    expect(r.cache.gc!.before).toBeGreaterThan(limit);
    expect(r.cache.gc!.after).toBeLessThanOrEqual(limit);
    const left = await new ArtefactStore(cacheDir).entries();
    expect(left.reduce((a, e) => a + e.size, 0)).toBe(r.cache.gc!.after);
    const squashfs = r.timings.find((t) => t.stage === 'squashfs')!;
    expect(squashfs.cache).toEqual({ hits: 0, misses: r.cache.misses, damaged: 0, puts: r.cache.puts });
    expect(r.timings.find((t) => t.stage === 'evaluate')!.cache).toBeUndefined();
    // A build that adds nothing does not scan the cache.
    const again = await build({ config: join(root, 'examples', 'emu.ts'), outDir: join(work, 'out'), cacheDir: join(work, 'cache'), cacheMaxSize: 1 << 30, jobs: 1 });
    expect(again.cache.puts).toBeGreaterThan(0); // the trimmed entries are made again
    const third = await build({ config: join(root, 'examples', 'emu.ts'), outDir: join(work, 'out'), cacheDir: join(work, 'cache'), jobs: 1 });
    expect(third.cache.puts).toBe(0);
    expect(third.cache.gc).toBeUndefined();
    expect(third.timings.some((t) => t.stage === 'cache-gc')).toBe(false);
  }, 300_000);
});
