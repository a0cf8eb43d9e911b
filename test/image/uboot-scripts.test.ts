import { describe, expect, it } from 'vitest';
import { getDevice } from '../../src/image/devices.js';
import { defaultTftp, flashScript, tftpbootScript } from '../../src/image/uboot-scripts.js';

describe('U-Boot scripts', () => {
  it('flashes the GL-MT300N-v2 firmware partition, erasing whole 64 KiB blocks', () => {
    const s = flashScript(getDevice('gl-mt300n-v2'), 0x300001, defaultTftp);
    expect(s.split('\n').slice(1)).toEqual([
      'setenv ipaddr 192.168.1.1',
      'setenv serverip 192.168.1.2',
      'tftpboot 0x81000000 firmware.bin',
      'erase 0xbc050000 +0x310000',
      'cp.b 0x81000000 0xbc050000 0x300001',
      'reset',
      '',
    ]);
  });

  it('uses the GL-AR750 flash address', () => {
    expect(flashScript(getDevice('gl-ar750'), 0x10000, defaultTftp)).toContain('erase 0x9f060000 +0x10000');
  });

  it('boots phramware from RAM', () => {
    const s = tftpbootScript(getDevice('gl-mt300a'), 0x83f00000, { ipaddr: '10.0.0.2', serverip: '10.0.0.1' });
    expect(s).toContain('setenv serverip 10.0.0.1\n');
    expect(s).toContain('tftpboot 0x83f00000 phramware.bin\nbootm 0x83f00000\n');
  });

  it('refuses to flash a device without flash', () => {
    expect(() => flashScript(getDevice('qemu-malta'), 1, defaultTftp)).toThrow(/no flash/);
  });
});
