import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildKernelImage, elfToRaw, readElf, readUImage } from '../../src/kernel/index.js';
import { nativeElfToRaw, OBJCOPY } from '../../native/objcopy.js';
import { nativeList } from '../../native/mkimage.js';
import { havePeers } from '../helpers/peer.js';
import { createPool } from '../../src/workers/pool.js';
import { fixtureFile, fixtureKernelPath } from './fixture-kernel.js';

const run = promisify(execFile);
const peers = havePeers(OBJCOPY, 'lzma_alone', 'mkimage', 'nix-store', 'xz');
// The encoder runs in a worker thread, as in a build: inline, a minute of synchronous LZMA on a
// loaded machine starves vitest's RPC with this test file's process ("Timeout calling onTaskUpdate").
const pool = createPool({ threads: 1 });
afterAll(() => pool.close());

for (const name of ['kernel-malta', 'kernel-mt7628'] as const) {
  const path = peers ? fixtureKernelPath(name) : undefined;
  if (peers && !path) process.stderr.write(`[skip] ${name} is not in fixtures/lock.json (fixtures built with KERNELS=0)\n`);
  describe.skipIf(!path)(`fixture ${name}`, () => {
    const vmlinux = path ? new Uint8Array(readFileSync(path)) : new Uint8Array();

    it('elfToRaw is byte-identical to objcopy -O binary -R ... -S', async () => {
      const ours = elfToRaw(vmlinux);
      const theirs = await nativeElfToRaw(vmlinux);
      expect(ours.data.length).toBe(theirs.length);
      expect(Buffer.from(ours.data).equals(Buffer.from(theirs))).toBe(true);
      expect(readElf(vmlinux).header).toMatchObject({ class: 32, littleEndian: true, machine: 8 });
    });

    it('uImage: LZMA lc1 lp2 pb2 with the real size, decoded by lzma_alone to the raw kernel', async () => {
      const r = await buildKernelImage({ vmlinux, name: name, time: 1700000000, pool });
      const img = readUImage(r.image);
      const raw = elfToRaw(vmlinux);
      expect(img.header.load).toBe(Number(BigInt.asUintN(32, raw.start)));
      expect(img.header.entry).toBe(Number(BigInt.asUintN(32, raw.entry)));
      expect(img.header.comp).toBe(3);
      expect(img.data[0]).toBe(0x6d);
      expect(new DataView(img.data.buffer, img.data.byteOffset).getBigUint64(5, true)).toBe(BigInt(raw.data.length));
      const dir = mkdtempSync(join(tmpdir(), 'nixwrt-fxk-'));
      writeFileSync(join(dir, 'k.lzma'), img.data);
      await run('lzma_alone', ['d', join(dir, 'k.lzma'), join(dir, 'k.bin')]);
      expect(readFileSync(join(dir, 'k.bin')).equals(Buffer.from(raw.data))).toBe(true);
      expect(await nativeList(r.image)).toContain('MIPS Linux Kernel Image (lzma compressed)');
    }, 300_000); // LZMA of a 5 MB kernel: about 20 s idle, 50 s on a loaded 2-core machine
  });
}

// A real static glibc executable (TLS, .got, init arrays, .MIPS.abiflags): another layout.
describe.skipIf(!peers)('fixture busybox (static MIPS32r2 ELF from Debian)', () => {
  it('elfToRaw is byte-identical to objcopy', async () => {
    const path = fixtureFile('busybox', 'bin/busybox');
    expect(path).toBeDefined();
    const elf = new Uint8Array(readFileSync(path!));
    const ours = elfToRaw(elf);
    const theirs = await nativeElfToRaw(elf);
    expect(ours.data.length).toBeGreaterThan(1_000_000);
    expect(Buffer.from(ours.data).equals(Buffer.from(theirs))).toBe(true);
  });
});
