import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDevice } from '../../src/image/devices.js';
import { writeEmulator, writeFirmware, writePhramware } from '../../src/image/outputs.js';
import { blobInfo } from '../../src/image/manifest.js';
import { OutputState } from '../../src/image/output-state.js';
import { defaultTftp } from '../../src/image/uboot-scripts.js';

const dev = getDevice('gl-mt300n-v2');
const kernel = new Uint8Array(100_000).fill(0x4b);
const rootfs = new Uint8Array(200_000).fill(0x52);

describe('output writers', () => {
  it('writes firmware.bin in the OpenWrt style with the rootfs on an erase block', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nixwrt-out-'));
    const { files: [fw, script] } = await writeFirmware(await OutputState.load(out), dev, kernel, rootfs, 'openwrt', defaultTftp, { cmdline: ['console=ttyS0'], time: 0 });
    const bytes = readFileSync(join(out, 'firmware.bin'));
    expect(fw!.parts).toEqual([
      { name: 'kernel', offset: 0, size: 100_000 },
      { name: 'rootfs', offset: 131_072, size: 200_000 },
      { name: 'jffs2-eof', offset: 393_216, size: 4 },
    ]);
    expect(bytes.length).toBe(393_220);
    expect(bytes[131_071]).toBe(0);
    expect(bytes[131_072]).toBe(0x52);
    expect(bytes[331_072]).toBe(0xff);
    expect(bytes.subarray(393_216).toString('hex')).toBe('deadc0de');
    expect(readFileSync(join(out, 'flash.txt'), 'utf8')).toContain('cp.b 0x81000000 0xbc050000 0x${filesize} && reset');
    expect(script!.file).toBe('flash.txt');
  });

  it('refuses an image over the partition, naming the bytes over', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nixwrt-out-'));
    const big = new Uint8Array(0xfb0000 - 131_072 + 1);
    await expect(writeFirmware(await OutputState.load(out), dev, kernel, big, 'nixwrt', defaultTftp, { cmdline: [], time: 0 })).rejects.toThrow(
      /is 16515072 bytes, 65536 bytes over its 16449536-byte \(0xfb0000\) firmware partition/,
    );
  });

  it('places phramware so the rootfs lands on the phram address', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nixwrt-out-'));
    await writePhramware(await OutputState.load(out), dev, kernel, rootfs, { address: 0x4000000, sizeMiB: 1 }, defaultTftp, { cmdline: '', time: 0 });
    expect(readFileSync(join(out, 'tftpboot.txt'), 'utf8')).toContain('tftpboot 0x83fe0000 phramware.bin\nbootm 0x83fe0000\n');
    expect(readFileSync(join(out, 'phramware.bin')).length).toBe(393_216);
  });

  it('writes the emulator directory only for QEMU devices', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nixwrt-out-'));
    const state = await OutputState.load(out);
    const vmlinux = { info: blobInfo(kernel), bytes: kernel };
    await expect(writeEmulator(state, dev, vmlinux, rootfs, 'x')).rejects.toMatchObject({ code: 'no-flash' });
    const files = await writeEmulator(state, getDevice('qemu-malta'), vmlinux, rootfs, 'console=ttyS0');
    expect(files.map((f) => f.file)).toEqual(['emulator/vmlinux', 'emulator/rootfs.squashfs', 'emulator/run.json']);
    expect(JSON.parse(readFileSync(join(out, 'emulator', 'run.json'), 'utf8'))).toMatchObject({ append: 'console=ttyS0', machine: 'malta' });
  });
});
