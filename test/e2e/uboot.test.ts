/**
 * The qemu-malta-uboot device under a real U-Boot (the fixture cache's u-boot-malta, Debian's
 * 2023.01 rebuilt with LZMA and FIT): phramware by the generated tftpboot script over QEMU's
 * TFTP, firmware.bin from NOR flash, and the flash script's safety (a missing, corrupt,
 * non-uImage or too large download leaves the flash image byte-identical; the old unguarded form
 * erases it; a good one gets through to the erase and copy). The script
 * images are checked against mkimage; the kernel's LZMA stream against Debian's qemu_arm64
 * U-Boot's lzmadec, byte for byte.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../../src/build.js';
import type { Manifest } from '../../src/image/manifest.js';
import { getDevice } from '../../src/image/devices.js';
import { compileDeviceTree } from '../../src/image/kernel-stage.js';
import { startEmulator } from '../../src/image/run.js';
import type { UbootRunOptions } from '../../src/image/uboot-run.js';
import { decodeHeader } from '../../src/kernel/uimage/header.js';
import { havePeers, haveRequirement } from '../helpers/peer.js';
import { fixtureFile } from '../kernel/fixture-kernel.js';
import { Console } from './console.js';
import { slow } from '../helpers/slack.js';

const root = join(import.meta.dirname, '..', '..');
const PROMPT = /maltael # $/;
const hasUboot = fixtureFile('u-boot-malta', 'u-boot.bin') !== undefined;

describe.skipIf(
  !havePeers('qemu-system-mipsel', 'mkimage', 'nix-store', 'xz') || !haveRequirement(hasUboot, 'fixtures/lock.json has no u-boot-malta (fixtures/make-cache.sh add-uboot)'),
)('qemu-malta-uboot under U-Boot', () => {
  const work = mkdtempSync(join(tmpdir(), 'nixwrt-uboot-'));
  const out = (f: string) => join(work, 'out', f);
  let result: BuildResult;
  let manifest: Manifest;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    const config = join(work, 'ubtest.json');
    writeFileSync(config, JSON.stringify({
      device: 'qemu-malta-uboot',
      hostname: 'ubtest',
      lock: join(root, 'fixtures', 'lock.json'),
      modules: [{ name: 'phram' }],
    }));
    result = await build({ config, outDir: join(work, 'out'), cacheDir: join(work, 'cache'), jobs: 1, time: 1_700_000_000 });
    manifest = JSON.parse(readFileSync(out('manifest.json'), 'utf8')) as Manifest;
  }, slow(300_000));

  afterAll(() => {
    for (const q of running) if (q.exitCode === null) q.kill('SIGKILL');
  });

  async function start(opts: UbootRunOptions): Promise<{ qemu: ChildProcess; con: Console }> {
    const qemu = await startEmulator(out('.'), { ...opts, stdio: ['pipe', 'pipe', 'inherit'], extraArgs: ['-no-reboot'] });
    running.push(qemu);
    return { qemu, con: new Console(qemu) };
  }

  /** Type a line at the U-Boot prompt (only once it is there: U-Boot drops keys while it prints) and wait for the next. */
  async function uboot(con: Console, line: string, ms = 30_000): Promise<string> {
    const from = con.text.length;
    con.send(`${line}\n`);
    await con.waitFor(PROMPT, ms, from + line.length);
    return con.text.slice(from).replace(/\r/g, '');
  }

  const exited = (q: ChildProcess) => new Promise<void>((r) => (q.exitCode !== null ? r() : q.on('exit', () => r())));

  it('writes the scripts beside their images, as mkimage makes them, and each output\'s command line', () => {
    expect(result.files.map((f) => f.file)).toEqual([
      'firmware.bin', 'flash.txt', 'flash.scr', 'phramware.bin', 'tftpboot.txt', 'tftpboot.scr', 'emulator/u-boot.bin', 'emulator/run.json',
    ]);
    for (const name of ['flash', 'tftpboot']) {
      execFileSync('mkimage', ['-A', 'mips', '-O', 'linux', '-T', 'script', '-C', 'none', '-n', `nixwrt ${name}`, '-d', out(`${name}.txt`), join(work, `${name}.scr`)], {
        env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' },
        stdio: 'ignore',
      });
      expect(readFileSync(out(`${name}.scr`)).equals(readFileSync(join(work, `${name}.scr`)))).toBe(true);
    }
    expect(manifest.cmdlines.phramware).toMatch(/ mem=256M .*phram\.phram=phram0,0x6000000,\d+Mi memmap=\d+M\$0x6000000 root=\/dev\/mtdblock0$/);
    expect(manifest.cmdlines.firmware).toMatch(/ phram\.phram=phram0,0x1e[0-9a-f]+,0x[0-9a-f]+0000 root=\/dev\/mtdblock0$/);
    expect(readFileSync(out('tftpboot.txt'), 'utf8')).toContain(`setenv bootargs '${manifest.cmdlines.phramware}'\n`);
  });

  it('boots phramware through the tftpboot script, with the command line and phram.vars it was built for', async () => {
    const { qemu, con } = await start({ boot: 'tftp' });
    await con.waitFor(/## Executing script at 82000000/, 60_000);
    await con.waitFor(/Uncompressing Kernel Image/, 60_000);
    await con.waitFor(/Please press Enter to activate this console/, 120_000);
    con.send('\n');
    const cmdline = await con.run('cat /proc/cmdline');
    expect(cmdline.trim()).toBe(manifest.cmdlines.phramware);
    const mib = /phram0,0x6000000,(\d+)Mi/.exec(cmdline)![1];
    expect(await con.run('cat /etc/hostname /etc/phram.vars')).toBe(`ubtest\nphram_sizeMB=${mib}\nphram_offset=0x6000000\n`);
    qemu.kill('SIGKILL');
  }, slow(240_000));

  it('boots firmware.bin from NOR flash, the rootfs read in place', async () => {
    const { qemu, con } = await start({ boot: 'flash' });
    await con.waitFor(/## Booting kernel from Legacy Image at be060000/, 60_000);
    await con.waitFor(/Please press Enter to activate this console/, 120_000);
    con.send('\n');
    expect((await con.run('cat /proc/cmdline')).trim()).toBe(manifest.cmdlines.firmware);
    expect(await con.run('cat /etc/hostname; grep -c . /proc/mtd')).toBe('ubtest\n2\n');
    qemu.kill('SIGKILL');
  }, slow(240_000));

  /** Pseudo-random bytes (xorshift32): deterministic, and no uImage magic at the start. */
  function noise(n: number): Buffer {
    const b = Buffer.alloc(n);
    let x = 0x12345678;
    for (let i = 0; i < n; i++) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      b[i] = x & 0xff;
    }
    return b;
  }

  const refused = 'firmware.bin did not download or is not a valid uImage: flash left unchanged';

  it('leaves the flash byte-identical when firmware.bin is missing, corrupt, not a uImage or larger than the partition', async () => {
    const tftp = mkdtempSync(join(work, 'tftp-'));
    copyFileSync(out('flash.scr'), join(tftp, 'flash.scr'));
    const flash = join(work, 'flash-safe.img');
    const { qemu, con } = await start({ boot: 'flash', ubootPrompt: true, tftpDir: tftp, flashImage: flash });
    const before = readFileSync(flash);
    await con.waitFor(PROMPT, 60_000);
    const source = async () => {
      const log = await uboot(con, 'tftpboot 0x82000000 flash.scr && source 0x82000000', 60_000);
      expect(log).not.toMatch(/Eras|Copy to Flash/);
      return log;
    };
    const missing = await source();
    expect(missing).toMatch(/Filename 'firmware\.bin'[\s\S]*TFTP error: 'File not found'/);
    expect(missing).not.toContain('## Checking Image'); // the download's failure stops the && chain
    expect(missing).toContain(refused);

    const fw = readFileSync(out('firmware.bin'));
    const kernel = decodeHeader(fw);
    const flipped = Buffer.from(fw);
    flipped[64 + (kernel.size >> 1)]! ^= 0x01; // one bit in the middle of the kernel's LZMA payload
    writeFileSync(join(tftp, 'firmware.bin'), flipped);
    const corrupt = await source();
    expect(corrupt).toContain(`Bytes transferred = ${fw.length} `);
    expect(corrupt).toMatch(/Verifying Checksum \.\.\. +Bad Data CRC/);
    expect(corrupt).toContain(refused);

    const random = noise(fw.length);
    expect(random.readUInt32BE(0)).not.toBe(0x27051956);
    writeFileSync(join(tftp, 'firmware.bin'), random);
    const notImage = await source();
    expect(notImage).toContain(`Bytes transferred = ${fw.length} `);
    expect(notImage).toContain('Unknown image format!');
    expect(notImage).toContain(refused);

    // A valid image one byte over the partition: past iminfo, stopped by the size check.
    writeFileSync(join(tftp, 'firmware.bin'), Buffer.concat([fw, Buffer.alloc(0x380001 - fw.length)]));
    const large = await source();
    expect(large).toContain('Bytes transferred = 3670017 (380001 hex)');
    expect(large).toMatch(/Verifying Checksum \.\.\. +OK/);
    expect(large).toContain('firmware.bin is larger than the 0x380000-byte firmware partition: flash left unchanged');
    expect(large).not.toContain(refused);
    con.send('reset\n'); // -no-reboot: QEMU exits, its flash writes flushed
    await exited(qemu);
    expect(readFileSync(flash).equals(before)).toBe(true);
  }, slow(240_000));

  it('gets a good firmware.bin past every check to the erase and the copy (stopped there: the copy takes ~30 min)', async () => {
    const tftp = mkdtempSync(join(work, 'tftp-'));
    copyFileSync(out('flash.scr'), join(tftp, 'flash.scr'));
    const fw = readFileSync(out('firmware.bin'));
    writeFileSync(join(tftp, 'firmware.bin'), fw);
    const flash = join(work, 'flash-write.img');
    const { qemu, con } = await start({ boot: 'flash', ubootPrompt: true, tftpDir: tftp, flashImage: flash });
    const before = readFileSync(flash);
    await con.waitFor(PROMPT, 60_000);
    const from = con.text.length;
    con.send('tftpboot 0x82000000 flash.scr && source 0x82000000\n');
    await con.waitFor(/Copy to Flash\.\.\./, 120_000, from);
    qemu.kill('SIGKILL');
    await exited(qemu);
    const log = con.text.slice(from).replace(/\r/g, '');
    expect(log).toMatch(/Verifying Checksum \.\.\. +OK/);
    expect(log).toMatch(/Erased \d+ sectors/);
    expect(log).not.toContain(refused);
    const after = readFileSync(flash);
    // The partition's last sector that firmware.bin covers was erased (0xFF; the copy, at
    // ~1.6 KB/s, is still at the start); U-Boot and the environment around it are untouched.
    const end = 0x60000 + Math.ceil(fw.length / 0x10000) * 0x10000;
    expect(before.subarray(end - 0x10000, end).every((b) => b === 0xff)).toBe(false);
    expect(after.subarray(end - 0x10000, end).every((b) => b === 0xff)).toBe(true);
    expect(after.subarray(0, 0x60000).equals(before.subarray(0, 0x60000))).toBe(true);
    expect(after.subarray(end).equals(before.subarray(end))).toBe(true);
  }, slow(240_000));

  it('(control) the unguarded script of before erases the partition after the same failed download', async () => {
    const tftp = mkdtempSync(join(work, 'tftp-'));
    const flash = join(work, 'flash-unsafe.img');
    const { qemu, con } = await start({ boot: 'flash', ubootPrompt: true, tftpDir: tftp, flashImage: flash });
    const before = readFileSync(flash);
    await con.waitFor(PROMPT, 60_000);
    await uboot(con, 'tftpboot 0x81000000 firmware.bin; erase 0xbe060000 +0x10000', 60_000);
    con.send('reset\n');
    await exited(qemu);
    const after = readFileSync(flash);
    expect(before.subarray(0x60000, 0x70000).every((b) => b === 0xff)).toBe(false);
    expect(after.subarray(0x60000, 0x70000).every((b) => b === 0xff)).toBe(true);
  }, slow(120_000));

  it('boots a FIT of the fixture kernel and the Malta DTB (bootm ADDR:kernel-1), the rootfs from flash', async () => {
    // The router's FIT: LZMA kernel, DTB, a configuration. Malta boots it in legacy mode, so
    // the kernel image is named (plain `bootm ADDR` would jump in DT mode and lose bootargs).
    const tftp = mkdtempSync(join(work, 'tftp-'));
    const dtsRoot = join(work, 'cache', 'unpacked', readdirSync(join(work, 'cache', 'unpacked')).find((d) => d.includes('linux-dts'))!);
    writeFileSync(join(work, 'malta.dtb'), await compileDeviceTree(getDevice('qemu-malta-uboot'), dtsRoot, manifest.cmdlines.firmware!));
    // Asynchronous: the kernel's LZMA takes a minute on a loaded machine (vitest's RPC deadline).
    await promisify(execFile)(process.execPath, [
      join(root, 'bin', 'nixwrt.js'), 'kernel', fixtureFile('kernel-malta', 'vmlinux')!, '--fit', '--dtb', join(work, 'malta.dtb'), '--name', 'nixwrt fit', '-o', join(tftp, 'kernel.itb'),
    ]);
    const { qemu, con } = await start({ boot: 'flash', ubootPrompt: true, tftpDir: tftp });
    await con.waitFor(PROMPT, 60_000);
    const from = con.text.length;
    con.send(`setenv bootargs '${manifest.cmdlines.firmware}'; tftpboot 0x83000000 kernel.itb && bootm 0x83000000:kernel-1\n`);
    await con.waitFor(/Please press Enter to activate this console/, 180_000, from);
    const log = con.text.slice(from);
    expect(log).toContain('## Loading kernel from FIT Image at 83000000');
    expect(log).toMatch(/Compression:\s+lzma compressed/);
    expect(log).toMatch(/Verifying Hash Integrity \.\.\. crc32\+ sha1\+ OK/);
    con.send('\n');
    expect((await con.run('cat /proc/cmdline')).trim()).toBe(manifest.cmdlines.firmware);
    qemu.kill('SIGKILL');
  }, slow(300_000));

  const arm64 = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';
  it.skipIf(!havePeers('qemu-system-aarch64') || !haveRequirement(existsSync(arm64), `${arm64} (Debian u-boot-qemu)`))(
    'decodes the kernel\'s LZMA stream in Debian\'s qemu_arm64 U-Boot (lzmadec) to the bytes xz gives',
    async () => {
      const pw = readFileSync(out('phramware.bin'));
      const h = decodeHeader(pw);
      const lzma = pw.subarray(64, 64 + h.size);
      writeFileSync(join(work, 'kernel.lzma'), lzma);
      const raw = execFileSync('xz', ['--format=lzma', '-dc', join(work, 'kernel.lzma')], { maxBuffer: 1 << 27 });
      writeFileSync(join(work, 'kernel.raw'), raw);
      const qemu = spawn('qemu-system-aarch64', [
        '-M', 'virt', '-cpu', 'cortex-a57', '-m', '512', '-nographic', '-bios', arm64,
        '-device', `loader,file=${join(work, 'kernel.lzma')},addr=0x44000000,force-raw=on`,
        '-device', `loader,file=${join(work, 'kernel.raw')},addr=0x48000000,force-raw=on`,
      ], { stdio: ['pipe', 'pipe', 'inherit'] });
      running.push(qemu);
      const con = new Console(qemu);
      await con.waitFor(/=> $/, 60_000);
      const hex = raw.length.toString(16);
      let from = con.text.length;
      con.send('lzmadec 0x44000000 0x50000000\n');
      await con.waitFor(/=> $/, 60_000, from + 10);
      expect(con.text.slice(from)).toContain(`Uncompressed size: ${raw.length} = 0X${hex.toUpperCase()}`);
      from = con.text.length;
      con.send(`cmp.b 0x50000000 0x48000000 ${hex}\n`);
      await con.waitFor(/=> $/, 60_000, from + 10);
      expect(con.text.slice(from)).toContain(`Total of ${raw.length} byte(s) were the same`);
      qemu.kill('SIGKILL');
    },
    120_000,
  );
});
