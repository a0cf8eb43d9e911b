/**
 * Every example builds from the fixture cache with the outputs it asks for, the flash ones with
 * the real MT7628 kernel of the lock; extensino's firmware.bin is checked with the classic tools
 * (dumpimage, unsquashfs); bad configs fail with messages that name the problem.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../../src/build.js';
import { getDevice } from '../../src/image/devices.js';
import type { Manifest } from '../../src/image/manifest.js';
import { havePeers } from '../helpers/peer.js';
import { slow } from '../helpers/slack.js';

const root = join(import.meta.dirname, '..', '..');
const lock = join(root, 'fixtures', 'lock.json');
const work = mkdtempSync(join(tmpdir(), 'nixwrt-examples-'));
const cacheDir = join(work, 'cache');
const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts')).sort();
const execAsync = promisify(execFile);

const fixtureLock = JSON.parse(readFileSync(lock, 'utf8')) as { packages: Record<string, string> };

/** The files each output kind writes (manifest.json besides). */
const FILES: Record<string, string[]> = {
  firmware: ['firmware.bin', 'flash.txt', 'flash.scr'],
  emulator: ['emulator/vmlinux', 'emulator/rootfs.squashfs', 'emulator/run.json'],
};

const built = new Map<string, BuildResult>();
const manifestOf = (ex: string) => JSON.parse(readFileSync(join(work, ex, 'manifest.json'), 'utf8')) as Manifest;

describe('every example builds from the fixture cache', () => {
  it('has the four examples', () => {
    expect(examples).toEqual(expect.arrayContaining(['arhcive.ts', 'defalutroute.ts', 'emu.ts', 'extensino.ts']));
  });

  for (const ex of examples) {
    it(`builds ${ex} with its outputs and the device's kernel from the lock`, async () => {
      const r = await build({ config: join(root, 'examples', ex), outDir: join(work, ex), cacheDir, jobs: 2 });
      built.set(ex, r);
      const m = manifestOf(ex);
      const dev = getDevice(m.device);
      expect(m.kernel.package).toBe(dev.kernelPackage);
      expect(m.kernel.storePath).toBe(fixtureLock.packages[dev.kernelPackage]);
      const kinds = Object.keys(m.outputs).filter((k) => FILES[k]);
      expect(kinds.length).toBeGreaterThan(0);
      expect(r.files.map((f) => f.file).sort()).toEqual(kinds.flatMap((k) => FILES[k]!).sort());
      for (const f of r.files) expect(statSync(join(work, ex, f.file)).size).toBe(f.size);
      // Every package a module asked for is in the closure the image carries.
      for (const p of Object.values(m.packages)) expect(m.storePaths).toContain(p);
    }, slow(300_000));
  }

  it('puts hostapd into extensino and ppp into defalutroute', () => {
    expect(manifestOf('extensino.ts').storePaths).toContain(fixtureLock.packages.hostapd);
    expect(manifestOf('defalutroute.ts').storePaths).toContain(fixtureLock.packages.ppp);
    expect(manifestOf('arhcive.ts').storePaths).toContain(fixtureLock.packages.rsync);
  });
});

describe.skipIf(!havePeers('dumpimage', 'unsquashfs'))('extensino firmware.bin with the classic tools', () => {
  const out = join(work, 'extensino.ts');
  const dev = getDevice('gl-mt300n-v2');

  it('starts with a uImage dumpimage accepts, at the MT7628 load address, holding the real kernel', () => {
    // dumpimage checks the data CRC over the rest of the file: give it the first 64 + size bytes.
    const bytes = readFileSync(join(out, 'firmware.bin'));
    const fw = join(work, 'extensino-head.uImage');
    writeFileSync(fw, bytes.subarray(0, 64 + bytes.readUInt32BE(12)));
    const listing = execFileSync('dumpimage', ['-l', fw]).toString();
    expect(listing).toContain('Load Address: 80000000');
    expect(listing).toContain('Entry Point:  80000000');
    expect(listing).toMatch(/MIPS Linux Kernel Image \(lzma compressed\)/);
    // A real kernel: about 1.3 MB of LZMA, not a stand-in of a few KiB.
    expect(bytes.readUInt32BE(12)).toBeGreaterThan(1_000_000);
  });

  it('has its squashfs on an erase-block boundary, extracting with unsquashfs, within the partition', () => {
    const m = manifestOf('extensino.ts');
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
    // hostapd from the fixture cache, its config readable by root alone (it holds the passphrase).
    const hostapd = join(dest, fixtureLock.packages.hostapd!, 'bin', 'hostapd');
    expect(readFileSync(hostapd).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(statSync(join(dest, 'etc', 'hostapd.conf')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dest, 'etc', 'hostapd.conf'), 'utf8')).toMatch(/^ssid=extensino-demo$/m);
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

  it('says how many bytes an oversized image (real MT7628 kernel) is over the partition', async () => {
    const big = join(work, 'big-overlay');
    mkdirSync(join(big, 'srv'), { recursive: true });
    // Random bytes do not compress: 17 MB cannot fit a 15.7 MB partition.
    writeFileSync(join(big, 'srv', 'blob'), randomBytes(17 << 20));
    // Stored uncompressed: the check is about the layout, and xz over 17 MB of noise costs a
    // minute of CPU on a loaded machine for nothing.
    const e = await fails(cfg('oversized', {
      modules: [{ name: 'hostapd', options: { ssid: 'x', psk: '12345678' } }],
      overlay: { dir: big },
      outputs: { compression: 'none' },
    }));
    const m = /firmware for gl-mt300n-v2 is (\d+) bytes, (\d+) bytes over its 16449536-byte \(0xfb0000\) firmware partition/.exec(e.stderr);
    expect(m, e.stderr).not.toBeNull();
    expect(Number(m![1]) - Number(m![2])).toBe(0xfb0000);
    expect(e.stderr).toContain('[partition-overflow]');
  }, slow(300_000));
});
