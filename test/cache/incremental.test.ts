/**
 * Warm builds through the artefact cache give the bytes of cold builds, for the kinds of edit a
 * developer makes: hostname, an /etc file through a module option, a package added or removed.
 * The GL-MT300N-v2 pipeline (as test/e2e/firmware.test.ts): userland from the fixture cache,
 * a stand-in kernel from a test cache, so the DTB and kernel LZMA caches are exercised too.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../../src/build.js';
import { ArtefactStore } from '../../src/cache/index.js';
import { havePeers } from '../helpers/peer.js';
import { standinKernelLock } from '../e2e/test-cache.js';
import { slow } from '../helpers/slack.js';

const root = join(import.meta.dirname, '..', '..');

type Mod = { name: string; options?: Record<string, unknown> };
// A fixed phram size: without one, a cold build squashes twice (the first guess of the size
// written into /etc/phram.vars is corrected from the image), and the second pass hits the cache.
const baseModules: Mod[] = [{ name: 'sshd' }, { name: 'phram', options: { sizeMiB: 8 } }, { name: 'syslog', options: { loghost: '10.0.0.1:514' } }];

describe.skipIf(!havePeers('mipsel-linux-gnu-as'))('incremental builds (gl-mt300n-v2)', () => {
  const work = mkdtempSync(join(tmpdir(), 'nixwrt-inc-'));
  const warmCache = join(work, 'warm-cache');
  let common: Omit<Parameters<typeof build>[0], 'config' | 'outDir' | 'cacheDir'>;
  let n = 0;
  let base: BuildResult;

  const configFor = (hostname: string, modules: Mod[]) => {
    const file = join(work, `c${n++}.json`);
    writeFileSync(file, JSON.stringify({ device: 'gl-mt300n-v2', hostname, lock: './lock.json', modules, outputs: { padjffs2: true } }));
    return file;
  };
  const run = (config: string, cacheDir: string) => build({ ...common, config, outDir: join(work, `out${n++}`), cacheDir });
  const bytesOf = (r: BuildResult) => r.files.map((f) => [f.file, f.sha256]);

  beforeAll(async () => {
    const standin = standinKernelLock(work);
    common = {
      substituters: standin.substituters,
      trustedPublicKeys: standin.trustedPublicKeys,
      jobs: 1,
      time: 1_700_000_000,
    };
    base = await run(configFor('inc', baseModules), warmCache);
  }, slow(300_000));

  it('fills the cache on a cold build: squashfs blocks, DTBs, kernel LZMA', () => {
    expect(base.cache.hits).toBe(0);
    expect(base.cache.puts).toBeGreaterThan(5);
    expect(readdirSync(join(warmCache, 'artefacts')).length).toBeGreaterThan(0);
  });

  const variants: Array<[string, () => [string, Mod[]]]> = [
    ['hostname changed', () => ['inc2', baseModules]],
    ['an /etc file changed through a module option', () => ['inc', baseModules.map((m) => (m.name === 'syslog' ? { ...m, options: { loghost: '10.0.0.2:514' } } : m))]],
    ['a package added (rsyncd)', () => ['inc', [...baseModules, { name: 'rsyncd', options: { modules: { pub: { path: '/srv' } } } }]]],
    ['a package removed (sshd)', () => ['inc', baseModules.filter((m) => m.name !== 'sshd')]],
  ];
  for (const [what, edit] of variants) {
    it(`warm = cold, byte for byte: ${what}`, async () => {
      const [hostname, modules] = edit();
      const warm = await run(configFor(hostname, modules), warmCache);
      const cold = await run(configFor(hostname, modules), join(work, `cold${n++}`));
      expect(bytesOf(warm)).toEqual(bytesOf(cold));
      expect(bytesOf(warm)).not.toEqual(bytesOf(base));
      expect(warm.manifest).toEqual({ ...cold.manifest });
      expect(warm.cache.hits).toBeGreaterThan(0);
      expect(warm.cache.puts).toBeLessThan(cold.cache.puts);
    }, slow(300_000));
  }

  it('the hostname edit reuses the DTBs and the kernel LZMA streams', async () => {
    const warm = await run(configFor('inc3', baseModules), warmCache);
    // Only the blocks that hold /etc/hostname (and its fragment) are new.
    expect(warm.cache.puts).toBeLessThanOrEqual(3);
    expect(warm.cache.misses).toBe(warm.cache.puts);
  }, slow(300_000));

  it('a damaged entry is found by verify, and a build rebuilds it with the same bytes', async () => {
    const store = new ArtefactStore(warmCache);
    // Every entry: the cache also holds the variants' entries, which this build never reads.
    const entries = await store.entries();
    for (const e of entries) {
      const b = readFileSync(e.path);
      b[b.length - 1]! ^= 1;
      writeFileSync(e.path, b);
    }
    expect((await store.verify()).damaged.length).toBe(entries.length);
    const again = await run(configFor('inc', baseModules), warmCache);
    expect(bytesOf(again)).toEqual(bytesOf(base));
    expect(again.cache.damaged).toBeGreaterThan(0);
    expect((await store.verify()).damaged.length).toBe(entries.length - again.cache.damaged);
  }, slow(300_000));
});
