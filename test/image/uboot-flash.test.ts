import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDevice } from '../../src/image/devices.js';
import type { UbootRunManifest } from '../../src/image/emulator.js';
import { flashImage, swapWords, ubootEnv } from '../../src/image/uboot-flash.js';
import { ubootQemuArgs, ubootRunEnv } from '../../src/image/uboot-run.js';
import { havePeers } from '../helpers/peer.js';

const dev = getDevice('qemu-malta-uboot');
const run: UbootRunManifest = {
  version: 1,
  kind: 'uboot',
  device: 'qemu-malta-uboot',
  uboot: 'u-boot.bin',
  tftp: { ipaddr: '192.168.1.1', serverip: '192.168.1.2' },
  cmdlines: { firmware: 'console=ttyS0 root=/dev/mtdblock0', phramware: 'console=ttyS0 memmap=1M$0x6000000' },
};

describe('U-Boot flash image', () => {
  it.skipIf(!havePeers('mkenvimage'))('writes the environment byte for byte as mkenvimage, both endians', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-env-'));
    const vars: Array<[string, string]> = [['bootdelay', '0'], ['bootargs', "console=ttyS0 memmap=3M$0x6000000"], ['bootcmd', 'tftpboot 0x82000000 tftpboot.scr && source 0x82000000']];
    writeFileSync(join(dir, 'env.txt'), vars.map(([k, v]) => `${k}=${v}\n`).join(''));
    for (const [endian, flag] of [['little', []], ['big', ['-b']]] as const) {
      execFileSync('mkenvimage', [...flag, '-s', '0x20000', '-o', join(dir, 'env.bin'), join(dir, 'env.txt')]);
      expect(Buffer.from(ubootEnv(vars, 0x20000, endian)).equals(readFileSync(join(dir, 'env.bin')))).toBe(true);
    }
  });

  it('refuses a variable name U-Boot could not read back, and an environment over its block', () => {
    expect(() => ubootEnv([['a=b', 'c']], 0x100, 'little')).toThrow(expect.objectContaining({ code: 'bad-env' }));
    expect(() => ubootEnv([['a', 'x'.repeat(0x100)]], 0x100, 'little')).toThrow(/more than its 252/);
  });

  it('puts U-Boot, firmware and environment where the board has them, word-swapped below 0x3e0000', () => {
    const uboot = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const img = flashImage(dev, { uboot, firmware: Uint8Array.of(0x27, 0x05, 0x19, 0x56), env: [['bootdelay', '0']] });
    expect(img.length).toBe(0x400000);
    expect([...img.subarray(0, 8)]).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
    expect([...img.subarray(0x60000, 0x60004)]).toEqual([0x56, 0x19, 0x05, 0x27]);
    expect(img[0x60004]).toBe(0xff);
    // The environment is not swapped: its CRC and text read as written.
    expect(Buffer.from(img.subarray(0x3e0004, 0x3e0010)).toString()).toBe('bootdelay=0\0');
    const back = Uint8Array.from(img);
    swapWords(back, 0, 0x3e0000);
    expect([...back.subarray(0, 8)]).toEqual([...uboot]);
  });

  it('refuses a U-Boot that would run into the firmware partition, and firmware over the partition', () => {
    expect(() => flashImage(dev, { uboot: new Uint8Array(0x60001), env: [] })).toThrow(expect.objectContaining({ code: 'partition-overflow' }));
    expect(() => flashImage(dev, { uboot: new Uint8Array(4), firmware: new Uint8Array(0x380001), env: [] })).toThrow(/over the 3670016-byte/);
  });
});

describe('nixwrt run on a U-Boot board', () => {
  it('boots the tftpboot script, or firmware.bin from flash with its command line; --uboot-prompt stops autoboot', () => {
    expect(ubootRunEnv(dev, run, 'tftp', false)).toEqual([
      ['bootdelay', '0'], ['ipaddr', '192.168.1.1'], ['serverip', '192.168.1.2'],
      ['bootcmd', 'tftpboot 0x82000000 tftpboot.scr && source 0x82000000'],
    ]);
    expect(ubootRunEnv(dev, run, 'flash', true)).toEqual([
      ['bootdelay', '-1'], ['ipaddr', '192.168.1.1'], ['serverip', '192.168.1.2'],
      ['bootargs', 'console=ttyS0 root=/dev/mtdblock0'], ['bootcmd', 'bootm 0xbe060000'],
    ]);
    expect(() => ubootRunEnv(dev, { ...run, cmdlines: {} }, 'flash', false)).toThrow(/no firmware\.bin/);
  });

  it('gives QEMU the flash as pflash and a user network on the scripts\' /24 serving the outputs', () => {
    expect(ubootQemuArgs(dev, run, '/t/flash.img', '/t/out')).toEqual([
      '-M', 'malta', '-m', '256', '-nographic', '-vga', 'none',
      '-drive', 'if=pflash,file=/t/flash.img,format=raw',
      '-netdev', 'user,id=n0,net=192.168.1.0/24,host=192.168.1.2,tftp=/t/out',
      '-device', 'pcnet,netdev=n0,romfile=',
    ]);
    const fwd = ubootQemuArgs(dev, run, '/t/f', '/t/o', { sshPort: 2222 });
    expect(fwd.slice(fwd.indexOf('-netdev'), fwd.indexOf('-netdev') + 4)).toEqual([
      '-netdev', 'user,id=n1,hostfwd=tcp:127.0.0.1:2222-:22', '-device', 'virtio-net-pci,netdev=n1,romfile=',
    ]);
    expect(() => ubootQemuArgs(dev, { ...run, tftp: { ipaddr: '10.0.0.1', serverip: '192.168.1.2' } }, '/f', '/o')).toThrow(/share a \/24/);
  });
});
