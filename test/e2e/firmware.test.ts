/**
 * The firmware pipeline for a flash device (GL-MT300N-v2), end to end through `build()`:
 * userland, the real MT7628 kernel and the DTS tree from the fixture cache. Checked with
 * dumpimage, xz, dtc, unsquashfs, and objcopy for the kernel's raw image.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../../src/build.js';
import { findParts } from '../../src/image/inspect.js';
import type { Manifest } from '../../src/image/manifest.js';
import { havePeers } from '../helpers/peer.js';
import { fixtureFile } from '../kernel/fixture-kernel.js';
import { slow } from '../helpers/slack.js';

const root = join(import.meta.dirname, '..', '..');

describe.skipIf(!havePeers('mipsel-linux-gnu-objcopy', 'nix-store', 'dumpimage', 'unsquashfs', 'xz', 'dtc'))('firmware pipeline (gl-mt300n-v2)', () => {
  const work = mkdtempSync(join(tmpdir(), 'nixwrt-fw-'));
  let result: BuildResult;
  let raw: Buffer;
  let config: string;
  let buildOpts: Parameters<typeof build>[0];

  beforeAll(async () => {
    // The kernel's raw image as arch/mips/boot/Makefile makes vmlinux.bin.
    const vmlinux = fixtureFile('kernel-mt7628', 'vmlinux')!;
    execFileSync('mipsel-linux-gnu-objcopy', [
      '-O', 'binary', '-R', '.reginfo', '-R', '.notes', '-R', '.note', '-R', '.comment', '-R', '.mdebug', '-R', '.note.gnu.build-id', '-S',
      vmlinux, join(work, 'vmlinux.bin'),
    ]);
    raw = readFileSync(join(work, 'vmlinux.bin'));
    config = join(work, 'fwtest.json');
    writeFileSync(config, JSON.stringify({
      device: 'gl-mt300n-v2',
      hostname: 'fwtest',
      lock: join(root, 'fixtures', 'lock.json'),
      modules: [{ name: 'sshd' }, { name: 'phram' }],
      outputs: { padjffs2: true },
    }));
    buildOpts = {
      config,
      outDir: join(work, 'out'),
      cacheDir: join(work, 'cache'),
      jobs: 1,
      time: 1_700_000_000,
    };
    result = await build(buildOpts);
  }, slow(300_000));

  const out = (f: string) => join(work, 'out', f);
  const manifest = () => JSON.parse(readFileSync(out('manifest.json'), 'utf8')) as Manifest;

  it('writes firmware, phramware, their U-Boot scripts and the manifest', () => {
    expect(result.files.map((f) => f.file)).toEqual(['firmware.bin', 'flash.txt', 'flash.scr', 'phramware.bin', 'tftpboot.txt', 'tftpboot.scr']);
    expect(result.timings.map((t) => t.stage)).toEqual(expect.arrayContaining(['evaluate', 'fetch', 'rootfs', 'squashfs', 'dtb', 'kernel']));
  });

  it('starts with a uImage dumpimage accepts, at the MT7628 load address', () => {
    // dumpimage checks the data CRC over the rest of the file: give it the first 64 + size bytes.
    const fw = readFileSync(out('firmware.bin'));
    writeFileSync(join(work, 'head.uImage'), fw.subarray(0, 64 + fw.readUInt32BE(12)));
    const l = execFileSync('dumpimage', ['-l', join(work, 'head.uImage')]).toString();
    expect(l).toContain('MIPS Linux Kernel Image (lzma compressed)');
    expect(l).toContain('Load Address: 80000000');
    expect(l).toContain('Image Name:   nixwrt fwtest');
  });

  it('lays out uImage, squashfs on an erase block and the JFFS2 marker, within the partition', () => {
    const fw = readFileSync(out('firmware.bin'));
    const parts = findParts(fw);
    expect(parts.map((p) => p.kind)).toEqual(['uimage', 'squashfs', 'jffs2-eof']);
    expect(parts[1]!.offset % 0x10000).toBe(0);
    expect(parts[2]!.offset % 0x10000).toBe(0);
    expect(fw.length).toBe(parts[2]!.offset + 4);
    expect(fw.length).toBeLessThanOrEqual(0xfb0000);
    const m = manifest().outputs.firmware!.find((f) => f.file === 'firmware.bin')!;
    expect(m.parts!.map((p) => [p.name, p.offset])).toEqual(parts.map((p) => [p.kind === 'uimage' ? 'kernel' : p.kind === 'squashfs' ? 'rootfs' : p.kind, p.offset]));
  });

  it('has a rootfs unsquashfs extracts, with the hostname and the /etc/phram.vars the command line agrees with', () => {
    const fw = readFileSync(out('firmware.bin'));
    const sq = findParts(fw)[1]!;
    writeFileSync(join(work, 'root.sqfs'), fw.subarray(sq.offset, sq.offset + sq.size));
    execFileSync('unsquashfs', ['-no-xattrs', '-d', join(work, 'root'), join(work, 'root.sqfs')], { stdio: 'ignore' });
    expect(readFileSync(join(work, 'root', 'etc', 'hostname'), 'utf8')).toBe('fwtest\n');
    // The phramware test below finds the same size in the kernel's phram= and mtdparts=.
    const mib = Math.ceil(sq.size / (1 << 20));
    expect(readFileSync(join(work, 'root', 'etc', 'phram.vars'), 'utf8')).toBe(`phram_sizeMB=${mib}\nphram_offset=0x4000000\n`);
  });

  it('boots phramware with the rootfs on the phram region the kernel is told about', () => {
    const pw = readFileSync(out('phramware.bin'));
    const parts = findParts(pw);
    const script = readFileSync(out('tftpboot.txt'), 'utf8');
    const load = Number(/tftpboot (0x[0-9a-f]+) phramware\.bin/.exec(script)![1]);
    expect(load + parts[1]!.offset).toBe(0x84000000);
    writeFileSync(join(work, 'pk.lzma'), pw.subarray(64, parts[0]!.size));
    const payload = execFileSync('xz', ['--format=lzma', '-dc', join(work, 'pk.lzma')], { maxBuffer: 1 << 26 });
    expect(payload.subarray(0, raw.length).equals(raw)).toBe(true);
    const dts = execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', '-'], { input: payload.subarray(raw.length) }).toString();
    const mib = Math.ceil(parts[1]!.size / (1 << 20));
    expect(dts).toContain(`mtdparts=phram0:${mib}M(rootfs) phram.phram=phram0,0x4000000,${mib}Mi memmap=${mib}M$0x4000000 root=/dev/mtdblock0`);
    expect(dts).toContain('model = "GL.iNet GL-MT300N-v2";');
  });

  it('is deterministic: a second build gives the same bytes and manifest', async () => {
    const again = await build({ ...buildOpts, outDir: join(work, 'out2') });
    expect(again.files.map((f) => f.sha256)).toEqual(result.files.map((f) => f.sha256));
    expect(readFileSync(join(work, 'out2', 'manifest.json'), 'utf8')).toBe(readFileSync(out('manifest.json'), 'utf8'));
  }, slow(300_000));
});
