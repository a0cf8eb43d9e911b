/**
 * Every example builds from the fixture cache; extensino's firmware.bin is checked with the
 * classic tools (dumpimage, unsquashfs); bad configs fail with messages that name the problem.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { build } from '../../src/build.js';
import { getDevice } from '../../src/image/devices.js';
import type { Manifest } from '../../src/image/manifest.js';
import { havePeers } from '../helpers/peer.js';
import { tinyKernel } from '../helpers/tiny-kernel.js';
import { makeTestCache } from './test-cache.js';

const root = join(import.meta.dirname, '..', '..');
const lock = join(root, 'fixtures', 'lock.json');
const work = mkdtempSync(join(tmpdir(), 'nixwrt-examples-'));
const cacheDir = join(work, 'cache');
const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts')).sort();
const execAsync = promisify(execFile);

const fixtureLock = JSON.parse(readFileSync(lock, 'utf8')) as { packages: Record<string, string> };

/**
 * What the fixture cache lacks for extensino, replaced by stand-ins so its flash layout can be
 * checked anyway: 'hostapd' maps to the busybox store path (the image would run no access
 * point) and, until the fixtures carry one, 'kernel-mt7628' to a small ELF at the MT7628 load
 * address served from a second signed cache made here. Layout, uImage and rootfs are what is
 * checked, not the running system.
 */
interface StandIn {
  lock: string;
  substituters: string[];
  keys: string[];
}
let standInCache: StandIn | undefined;
function standIn(): StandIn {
  if (standInCache) return standInCache;
  const dir = join(work, 'standin');
  mkdirSync(dir, { recursive: true });
  const fixtureKey = readFileSync(join(root, 'fixtures', 'cache.pub'), 'utf8').trim();
  const packages = { ...fixtureLock.packages };
  const substituters = [pathToFileURL(join(root, 'fixtures', 'cache')).href];
  const keys = [fixtureKey];
  packages.hostapd ??= packages.busybox!;
  if (!packages['kernel-mt7628']) {
    mkdirSync(join(dir, 'k'));
    const cache = makeTestCache(join(dir, 'cache'), {
      'linux-standin-mt7628': { type: 'directory', entries: { vmlinux: { type: 'regular', contents: tinyKernel(join(dir, 'k')).vmlinux } } },
    });
    packages['kernel-mt7628'] = cache.paths['linux-standin-mt7628']!;
    substituters.push(pathToFileURL(cache.dir).href);
    keys.push(cache.publicKey);
  }
  writeFileSync(join(dir, 'lock.json'), JSON.stringify({ version: 1, cache: { url: join(root, 'fixtures', 'cache'), publicKey: fixtureKey }, packages }));
  standInCache = { lock: join(dir, 'lock.json'), substituters, keys };
  return standInCache;
}

function extensinoConfig(): string {
  const dir = join(work, 'standin');
  const src = readFileSync(join(root, 'examples', 'extensino.ts'), 'utf8')
    .replace("'../fixtures/lock.json'", JSON.stringify(standIn().lock))
    .replace("'../src/config/types.js'", JSON.stringify(join(root, 'src', 'config', 'types.js')));
  writeFileSync(join(dir, 'extensino.ts'), src);
  return join(dir, 'extensino.ts');
}

describe('examples build', () => {
  it('has the four examples', () => {
    expect(examples).toEqual(expect.arrayContaining(['arhcive.ts', 'defalutroute.ts', 'emu.ts', 'extensino.ts']));
  });

  // With the fixture lock an example builds, or fails naming the package the cache lacks.
  for (const ex of examples) {
    it(`builds ${ex} or names what the fixture cache lacks`, async () => {
      let r;
      try {
        r = await build({ config: join(root, 'examples', ex), outDir: join(work, ex), cacheDir, jobs: 2 });
      } catch (err) {
        const m = /unknown package '([^']+)'/.exec(String((err as Error).message));
        expect(m, String(err)).not.toBeNull();
        expect(fixtureLock.packages[m![1]!]).toBeUndefined();
        return;
      }
      const m = JSON.parse(readFileSync(join(work, ex, 'manifest.json'), 'utf8')) as Manifest;
      expect(m.device).toBe(r.device);
    }, 300_000);
  }

  it('builds extensino (GL-MT300N-v2) firmware', async () => {
    const config = extensinoConfig();
    const r = await build({ config, outDir: join(work, 'extensino'), cacheDir, jobs: 2, substituters: standIn().substituters, trustedPublicKeys: standIn().keys });
    expect(r.files.map((f) => f.file)).toEqual(['firmware.bin', 'flash.txt']);
  }, 300_000);
});

describe.skipIf(!havePeers('dumpimage', 'unsquashfs'))('extensino firmware.bin with the classic tools', () => {
  const out = join(work, 'extensino');
  const dev = getDevice('gl-mt300n-v2');

  it('starts with a uImage dumpimage accepts, at the MT7628 load address', () => {
    // dumpimage checks the data CRC over the rest of the file: give it the first 64 + size bytes.
    const bytes = readFileSync(join(out, 'firmware.bin'));
    const fw = join(work, 'extensino-head.uImage');
    writeFileSync(fw, bytes.subarray(0, 64 + bytes.readUInt32BE(12)));
    const listing = execFileSync('dumpimage', ['-l', fw]).toString();
    expect(listing).toContain('Load Address: 80000000');
    expect(listing).toContain('Entry Point:  80000000');
    expect(listing).toMatch(/MIPS Linux Kernel Image \(lzma compressed\)/);
  });

  it('has its squashfs on an erase-block boundary, extracting with unsquashfs, within the partition', () => {
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
    const fw = m.outputs.firmware!.find((f) => f.file === 'firmware.bin')!;
    const rootfs = fw.parts!.find((p) => p.name === 'rootfs')!;
    expect(rootfs.offset % dev.flash!.eraseBlock).toBe(0);
    expect(fw.size).toBeLessThanOrEqual(dev.flash!.partitionSize);
    const bytes = readFileSync(join(out, 'firmware.bin'));
    expect(bytes.subarray(rootfs.offset, rootfs.offset + 4).toString('latin1')).toBe('hsqs');
    const sq = join(work, 'extensino.sqfs');
    writeFileSync(sq, bytes.subarray(rootfs.offset, rootfs.offset + rootfs.size));
    const dest = join(work, 'extensino-root');
    execFileSync('unsquashfs', ['-no-xattrs', '-d', dest, sq], { stdio: 'ignore' });
    expect(readFileSync(join(dest, 'etc', 'hostname'), 'utf8').trim()).toBe(m.hostname);
  });
});

describe('configs that must fail', () => {
  const cfg = (name: string, body: object) => {
    const p = join(work, `${name}.json`);
    writeFileSync(p, JSON.stringify({ device: 'gl-mt300n-v2', hostname: 'bad', lock, ...body }));
    return p;
  };
  const fails = async (config: string, extra: string[] = []) => {
    try {
      await execAsync(process.execPath, [join(root, 'bin', 'nixwrt.js'), 'build', config, '--out', join(work, 'bad-out'), '--cache-dir', cacheDir, ...extra]);
    } catch (err) {
      return (err as { stderr: string; code: number });
    }
    throw new Error(`${config} built`);
  };

  it('names an unknown package', async () => {
    const e = await fails(cfg('unknown-package', { packages: ['frobnicator'] }));
    expect(e.code).toBe(1);
    expect(e.stderr).toContain("unknown package 'frobnicator'");
  });

  it('names an unknown module', async () => {
    const e = await fails(cfg('unknown-module', { modules: [{ name: 'teleporter' }] }));
    expect(e.stderr).toContain("unknown module 'teleporter'");
  });

  it('names a bad option', async () => {
    const e = await fails(cfg('bad-option', { modules: [{ name: 'sshd', options: { port: 'twenty-two' } }] }));
    expect(e.stderr).toMatch(/sshd.*port/);
  });

  it('names an unknown device', async () => {
    const e = await fails(cfg('unknown-device', { device: 'wrt54g' }));
    expect(e.stderr).toContain('unknown device "wrt54g"');
  });

  it('says how many bytes an oversized image is over the partition', async () => {
    const big = join(work, 'big-overlay');
    mkdirSync(join(big, 'srv'), { recursive: true });
    // Random bytes do not compress: 17 MB cannot fit a 15.7 MB partition.
    writeFileSync(join(big, 'srv', 'blob'), randomBytes(17 << 20));
    const s = standIn();
    const e = await fails(cfg('oversized', { lock: s.lock, overlay: { dir: big } }), [
      ...s.substituters.flatMap((u) => ['--substituter', u]),
      ...s.keys.flatMap((k) => ['--trusted-public-key', k]),
    ]);
    expect(e.stderr).toMatch(/firmware for gl-mt300n-v2 is \d+ bytes, \d+ bytes over its 16449536-byte \(0xfb0000\) firmware partition/);
    expect(e.stderr).toContain('[partition-overflow]');
  }, 300_000);
});
