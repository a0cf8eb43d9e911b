import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DtbError, appendDtb, buildKernelImage, crc32, elfToRaw, readUImage } from '../../src/kernel/index.js';
import { encodeLzmaAlone } from '../../src/kernel/lzma/index.js';
import { createPool } from '../../src/workers/pool.js';
import { nativeExtract, nativeList } from '../../native/mkimage.js';
import { nativeElfToRaw, OBJCOPY } from '../../native/objcopy.js';
import { packageRoot } from '../../src/util/package-root.js';
import { havePeers } from '../helpers/peer.js';
import { AS, LD, buildSamples } from './elf-samples.js';

const run = promisify(execFile);
const peers = havePeers(OBJCOPY, AS, LD, 'mkimage', 'dumpimage', 'dtc', 'lzma_alone');
const TIME = 1700000000;

function dtbFromDtc(dir: string): Uint8Array {
  const dts = join(dir, 'board.dts');
  writeFileSync(dts, '/dts-v1/;\n/ { compatible = "nixwrt,test"; model = "test board"; chosen { bootargs = "console=ttyS0"; }; };\n');
  execFileSync('dtc', ['-I', 'dts', '-O', 'dtb', '-o', join(dir, 'board.dtb'), dts]);
  return new Uint8Array(readFileSync(join(dir, 'board.dtb')));
}

describe('appended DTB checks', () => {
  it('not-a-dtb: bad magic', () => {
    expect(() => appendDtb(new Uint8Array(8), new TextEncoder().encode('/dts-v1/; / {};'))).toThrow(DtbError);
    try {
      appendDtb(new Uint8Array(8), new Uint8Array(64));
    } catch (e) {
      expect((e as DtbError).code).toBe('dtb-bad-magic');
    }
  });
  it('truncated-dtb: totalsize larger than the bytes', () => {
    const b = new Uint8Array(48);
    new DataView(b.buffer).setUint32(0, 0xd00dfeed);
    new DataView(b.buffer).setUint32(4, 4096);
    try {
      appendDtb(new Uint8Array(8), b);
      expect.unreachable();
    } catch (e) {
      expect((e as DtbError).code).toBe('dtb-truncated');
    }
  });
});

describe.skipIf(!peers)('buildKernelImage against objcopy, lzma_alone, mkimage and dumpimage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nixwrt-kernel-'));
  const dtb = peers ? dtbFromDtc(dir) : new Uint8Array();
  const sample = peers ? buildSamples().find((s) => s.name === 'el32 holes')!.bytes : new Uint8Array();

  it('uncompressed uImage payload = objcopy output + DTB; load/entry from the ELF', async () => {
    const r = await buildKernelImage({ vmlinux: sample, dtb, name: 'test', time: TIME, compression: 'none' });
    const img = readUImage(r.image);
    const raw = await nativeElfToRaw(sample);
    expect(Buffer.from(img.data).equals(Buffer.concat([raw, dtb]))).toBe(true);
    expect(img.header).toMatchObject({ load: 0x80000400, entry: 0x80000400, comp: 0, type: 2, arch: 5, os: 5, time: TIME });
    expect(r.rawSize).toBe(raw.length + dtb.length);
    expect(await nativeList(r.image, 'dumpimage')).toContain('MIPS Linux Kernel Image (uncompressed)');
  });

  it('LZMA uImage decodes with lzma_alone to objcopy output + DTB; pool and inline agree', async () => {
    const opts = { vmlinux: sample, dtb, name: 'lzma test', time: TIME, load: 0x80000000, entry: 0x80000400 };
    const inline = await buildKernelImage(opts);
    const pool = createPool({ threads: 1 });
    try {
      const threaded = await buildKernelImage({ ...opts, pool });
      expect(Buffer.from(threaded.image).equals(Buffer.from(inline.image))).toBe(true);
    } finally {
      await pool.close();
    }
    const img = readUImage(inline.image);
    expect(img.header).toMatchObject({ load: 0x80000000, entry: 0x80000400, comp: 3 });
    expect(img.data[0]).toBe(0x6d); // lc1 lp2 pb2
    writeFileSync(join(dir, 'k.lzma'), img.data);
    await run('lzma_alone', ['d', join(dir, 'k.lzma'), join(dir, 'k.raw')]);
    const raw = await nativeElfToRaw(sample);
    expect(Buffer.from(readFileSync(join(dir, 'k.raw'))).equals(Buffer.concat([raw, dtb]))).toBe(true);
    expect(await nativeList(inline.image)).toContain('lzma compressed');
  });

  it('FIT: mkimage -l and dumpimage -l accept it; dumpimage extracts our kernel and DTB; hashes match', async () => {
    const r = await buildKernelImage({ vmlinux: sample, dtb, name: 'NixWRT FIT', time: TIME, fit: true });
    expect(new DataView(r.image.buffer, r.image.byteOffset).getUint32(0)).toBe(0xd00dfeed);
    const listing = await nativeList(r.image, 'mkimage');
    expect(listing).toContain('FIT description: NixWRT FIT');
    expect(listing).toContain('Image 0 (kernel-1)');
    expect(listing).toContain('Image 1 (fdt-1)');
    expect(listing).toContain("Default Configuration: 'config-1'");
    expect(listing).toContain('Load Address: 0x80000400');
    expect(await nativeList(r.image, 'dumpimage')).toContain('Configuration 0 (config-1)');
    const kernel = await nativeExtract(r.image, 0);
    const expected = encodeLzmaAlone(elfToRaw(sample).data);
    expect(Buffer.from(kernel).equals(Buffer.from(expected))).toBe(true);
    expect(Buffer.from(await nativeExtract(r.image, 1)).equals(Buffer.from(dtb))).toBe(true);
    expect(listing).toContain(`Hash value:   ${crc32(expected).toString(16).padStart(8, '0')}`);
    expect(listing).toContain(`Hash value:   ${createHash('sha1').update(expected).digest('hex')}`);
    expect(listing).toContain(`Hash value:   ${createHash('sha1').update(dtb).digest('hex')}`);
  });

  it('is deterministic: the same inputs give the same bytes', async () => {
    const a = await buildKernelImage({ vmlinux: sample, dtb, name: 'd', time: TIME, fit: true });
    const b = await buildKernelImage({ vmlinux: sample, dtb, name: 'd', time: TIME, fit: true });
    expect(Buffer.from(a.image).equals(Buffer.from(b.image))).toBe(true);
  });

  it('a DTB that is not one is refused before any work', async () => {
    await expect(buildKernelImage({ vmlinux: sample, dtb: new Uint8Array(100), name: 'x', time: 0 })).rejects.toMatchObject({
      code: 'dtb-bad-magic',
    });
  });

  it('nixwrt kernel and nixwrt lzma CLIs', async () => {
    const cli = join(packageRoot(), 'bin', 'nixwrt.js');
    const env = { ...process.env, SOURCE_DATE_EPOCH: String(TIME) };
    const elf = join(dir, 'vmlinux');
    writeFileSync(elf, sample);
    writeFileSync(join(dir, 'board.dtb'), dtb);
    const out = join(dir, 'uImage');
    const { stdout } = await run(
      process.execPath,
      [cli, 'kernel', elf, '-o', out, '--dtb', join(dir, 'board.dtb'), '--name', 'cli', '--lzma-lc', '3', '--lzma-lp', '0', '--lzma-pb', '2', '--lzma-dict', '1m'],
      { env },
    );
    expect(stdout).toContain('uImage');
    const img = readUImage(new Uint8Array(readFileSync(out)));
    expect(img.header.name).toBe('cli');
    expect(img.header.time).toBe(TIME);
    expect(img.data[0]).toBe(0x5d); // lc3 lp0 pb2
    expect(new DataView(img.data.buffer, img.data.byteOffset).getUint32(1, true)).toBe(1 << 20);
    await run(process.execPath, [cli, 'kernel', elf, '-o', join(dir, 'k.itb'), '--dtb', join(dir, 'board.dtb'), '--fit'], { env });
    expect(await nativeList(new Uint8Array(readFileSync(join(dir, 'k.itb'))))).toContain('Image 1 (fdt-1)');
    // nixwrt lzma: lzma_alone decodes ours; we decode ours.
    await run(process.execPath, [cli, 'lzma', elf, join(dir, 'v.lzma')]);
    await run('lzma_alone', ['d', join(dir, 'v.lzma'), join(dir, 'v.out')]);
    expect(readFileSync(join(dir, 'v.out')).equals(Buffer.from(sample))).toBe(true);
    await run(process.execPath, [cli, 'lzma', '-d', join(dir, 'v.lzma'), join(dir, 'v.out2')]);
    expect(readFileSync(join(dir, 'v.out2')).equals(Buffer.from(sample))).toBe(true);
    // Not an ELF: coded error, exit 1.
    const bad = await run(process.execPath, [cli, 'kernel', join(dir, 'board.dtb'), '-o', join(dir, 'x')]).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stderr: string }).stderr).toContain('[elf-not-elf]');
  });
});
