/**
 * `nixwrt bench CONFIG`: cold and warm builds of the config and the classic tools on the same
 * inputs, in one run. Times are not asserted (the machine is shared); the shape, the cache use
 * and the ratios' arithmetic are.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { classicTools } from '../../src/bench/classic.js';
import { benchConfig } from '../../src/bench/compare.js';
import { getDevice } from '../../src/image/devices.js';
import { havePeers } from '../helpers/peer.js';
import { slow } from '../helpers/slack.js';

const root = join(import.meta.dirname, '..', '..');

describe.skipIf(!havePeers(...classicTools(getDevice('qemu-malta'))))('nixwrt bench', () => {
  it('builds examples/emu.ts cold and warm, runs the classic script, prints the ratios as JSON', async () => {
    const work = mkdtempSync(join(tmpdir(), 'nixwrt-bench-test-'));
    // Asynchronous: a minute or more on a loaded machine, past vitest's RPC deadline if blocking.
    const r = await promisify(execFile)(process.execPath, [join(root, 'bin/nixwrt.js'), 'bench', join(root, 'examples', 'emu.ts'), '--work', work, '--json'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as {
      cold: { ms: number; cache: { hits: number; puts: number } };
      warm: { ms: number; cache: { hits: number; misses: number } };
      classic: { steps: Array<{ label: string; ms: number }>; totalMs: number; rootfsBytes: number };
      ratios: { warmOverCold: number; coldOverClassic: number; warmOverClassic: number };
      rootfsBytes: { ours: number; classic: number };
      machine: { loadBefore: number[] };
    };
    expect(out.cold.cache.hits).toBe(0);
    expect(out.cold.cache.puts).toBeGreaterThan(0);
    // The same config again: every artefact from the cache.
    expect(out.warm.cache.misses).toBe(0);
    expect(out.warm.cache.hits).toBeGreaterThan(0);
    expect(out.classic.steps.map((s) => s.label)).toEqual(['mksquashfs -comp xz', 'objcopy + lzma_alone + mkimage', 'dd (kernel + rootfs into one image)']);
    expect(out.ratios.warmOverCold).toBeCloseTo(out.warm.ms / out.cold.ms, 2);
    expect(out.ratios.coldOverClassic).toBeCloseTo(out.cold.ms / out.classic.totalMs, 2);
    expect(out.rootfsBytes.classic).toBe(out.classic.rootfsBytes);
    expect(out.rootfsBytes.ours).toBeGreaterThan(0);
    expect(out.machine.loadBefore).toHaveLength(3);
    rmSync(work, { recursive: true, force: true });
  }, slow(600_000));
});

describe('benchConfig', () => {
  it('without --work, removes its scratch directory; --no-classic skips the tools', async () => {
    const r = await benchConfig({ config: join(root, 'examples', 'emu.ts'), classic: false, jobs: 1 });
    expect(existsSync(r.work)).toBe(false);
    expect(r.classic).toBeUndefined();
    expect(r.ratios.coldOverClassic).toBeUndefined();
    expect(r.warm.result.cache.misses).toBe(0);
  }, slow(300_000));
});
