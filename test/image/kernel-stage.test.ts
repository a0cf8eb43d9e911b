/**
 * The kernel stage against the classic tools: a small MIPS ELF linked at the MT7628 load
 * address goes through objcopy-equivalent, appended DTB, LZMA and uImage; dumpimage must
 * accept the result and the payload must decompress to `objcopy -O binary` + the DTB.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDevice } from '../../src/image/devices.js';
import { compileDeviceTree, kernelUImage, rawKernel } from '../../src/image/kernel-stage.js';
import { createPool } from '../../src/workers/pool.js';
import { havePeers } from '../helpers/peer.js';
import { tinyKernel } from '../helpers/tiny-kernel.js';
import { LINUX_TAR, linuxDtsTree } from './linux-dts.js';


describe.skipIf(!havePeers('mipsel-linux-gnu-as', 'mipsel-linux-gnu-ld', 'mipsel-linux-gnu-objcopy', 'dumpimage', 'xz'))('kernel stage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nixwrt-kstage-'));
  const { vmlinux, raw } = tinyKernel(dir);
  const dev = getDevice('gl-mt300n-v2');

  it('makes the raw image objcopy makes, and refuses a kernel linked elsewhere', () => {
    expect(Buffer.from(rawKernel(dev, vmlinux).data).equals(raw)).toBe(true);
    expect(() => rawKernel(getDevice('gl-ar750'), vmlinux)).toThrow(/linked at 0x80000000 but gl-ar750 loads kernels at 0x80060000/);
  });

  it.skipIf(!existsSync(LINUX_TAR))('writes a uImage dumpimage accepts, whose LZMA payload is the raw kernel + DTB', async () => {
    const dtb = await compileDeviceTree(dev, linuxDtsTree(), 'console=ttyS0,115200 rootfstype=squashfs');
    const pool = createPool({ threads: 0 });
    const img = await kernelUImage(dev, rawKernel(dev, vmlinux), dtb, { name: 'nixwrt test', time: 0, pool });
    writeFileSync(join(dir, 'uImage'), img);
    const listing = execFileSync('dumpimage', ['-l', join(dir, 'uImage')]).toString();
    expect(listing).toContain('Image Name:   nixwrt test');
    expect(listing).toContain('MIPS Linux Kernel Image (lzma compressed)');
    expect(listing).toContain('Load Address: 80000000');
    writeFileSync(join(dir, 'payload.lzma'), img.subarray(64));
    const unpacked = execFileSync('xz', ['--format=lzma', '-dc', join(dir, 'payload.lzma')]);
    expect(unpacked.equals(Buffer.concat([raw, dtb]))).toBe(true);
    const dts = execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', '-'], { input: dtb }).toString();
    expect(dts).toContain('bootargs = "console=ttyS0,115200 rootfstype=squashfs";');
    expect(img[64]).toBe(0x6d); // lc1 lp2 pb2, as OpenWrt
  });

  it('takes the entry point from the ELF when the device says elf, else from the device', async () => {
    const pool = createPool({ threads: 0 });
    const raw = rawKernel(dev, vmlinux);
    const dtb = new Uint8Array([0xd0, 0x0d, 0xfe, 0xed]);
    const fixed = await kernelUImage(dev, raw, dtb, { name: 't', time: 0, pool, compress: async (p) => p });
    const fromElf = await kernelUImage({ ...dev, entryAddress: 'elf' }, raw, dtb, { name: 't', time: 0, pool, compress: async (p) => p });
    const entryOf = (img: Uint8Array) => new DataView(img.buffer, img.byteOffset).getUint32(20);
    expect(entryOf(fixed)).toBe(dev.entryAddress);
    expect(entryOf(fromElf)).toBe(Number(raw.entry & 0xffffffffn));
  });
});
