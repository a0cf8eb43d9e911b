/**
 * The artefact cache limit applied after each build, and per-stage cache use in the timings.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../src/build.js';
import { ArtefactStore, artefactKey } from '../../src/cache/index.js';
import { cacheMaxSize, DEFAULT_CACHE_MAX_SIZE } from '../../src/cache/limit.js';
import { slow } from '../helpers/slack.js';

const root = join(import.meta.dirname, '..', '..');

describe('artefact cache limit', () => {
  it('trim scans only when the running total says the cache may be over the limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-trim-'));
    const put = async (store: ArtefactStore, i: number) => store.put(artefactKey({ kind: 'trim', i }), new Uint8Array(1000).fill(i));
    const a = new ArtefactStore(dir);
    await put(a, 1);
    expect(await a.trim(10_000)).toEqual({ before: 1036, after: 1036, removed: 0 }); // no total yet: scanned
    const b = new ArtefactStore(dir);
    await put(b, 2);
    expect(await b.trim(10_000)).toBeUndefined(); // 1036 + 1036 by the total
    const c = new ArtefactStore(dir);
    for (let i = 3; i < 12; i++) await put(c, i);
    const r = await c.trim(5000);
    expect(r).toMatchObject({ before: 11 * 1036, removed: 7 });
    expect((await c.entries()).length).toBe(4);
  });

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
    // The emulator's vmlinux size and hash are an entry of their own (keyed on the NAR hash).
    expect(r.timings.find((t) => t.stage === 'vmlinux')!.cache).toEqual({ hits: 0, misses: 1, damaged: 0, puts: 1 });
    expect(squashfs.cache).toEqual({ hits: 0, misses: r.cache.misses - 1, damaged: 0, puts: r.cache.puts - 1 });
    expect(r.timings.find((t) => t.stage === 'evaluate')!.cache).toBeUndefined();
    // A build that adds nothing does not scan the cache.
    const again = await build({ config: join(root, 'examples', 'emu.ts'), outDir: join(work, 'out'), cacheDir: join(work, 'cache'), cacheMaxSize: 1 << 30, jobs: 1 });
    expect(again.cache.puts).toBeGreaterThan(0); // the trimmed entries are made again
    expect(again.cache.gc).toBeUndefined(); // within the limit by the running total: no scan
    const third = await build({ config: join(root, 'examples', 'emu.ts'), outDir: join(work, 'out'), cacheDir: join(work, 'cache'), jobs: 1 });
    expect(third.cache.puts).toBe(0);
    expect(third.cache.gc).toBeUndefined();
    expect(third.timings.some((t) => t.stage === 'cache-gc')).toBe(false);
  }, slow(300_000));
});
