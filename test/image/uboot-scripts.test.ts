import { describe, expect, it } from 'vitest';
import { getDevice } from '../../src/image/devices.js';
import { defaultTftp, flashScript, tftpbootScript } from '../../src/image/uboot-scripts.js';

describe('U-Boot scripts', () => {
  it('flashes the GL-MT300N-v2 firmware partition only after a download that fits it', () => {
    const s = flashScript(getDevice('gl-mt300n-v2'), defaultTftp);
    expect(s.split('\n').slice(1)).toEqual([
      'setenv ipaddr 192.168.1.1',
      'setenv serverip 192.168.1.2',
      'tftpboot 0x81000000 firmware.bin && if itest 0x${filesize} -le 0xfb0000; then ' +
        'erase 0xbc050000 +0x${filesize} && cp.b 0x81000000 0xbc050000 0x${filesize} && reset; ' +
        'else echo "firmware.bin is larger than the 0xfb0000-byte firmware partition: flash left unchanged"; fi',
      '',
    ]);
  });

  it('never runs erase, cp.b or reset as a command of its own (U-Boot scripts go on after a failure)', () => {
    for (const name of ['gl-mt300n-v2', 'gl-mt300a', 'gl-ar750']) {
      const lines = flashScript(getDevice(name), defaultTftp).split('\n');
      const risky = lines.filter((l) => /\b(erase|cp\.b|reset)\b/.test(l));
      expect(risky).toHaveLength(1);
      // The write is reached only through `tftpboot ... &&` and the size check's `then`.
      expect(risky[0]).toMatch(/^tftpboot \S+ firmware\.bin && if itest 0x\$\{filesize\} -le 0x[0-9a-f]+; then erase /);
      expect(risky[0]!.indexOf('else')).toBeGreaterThan(risky[0]!.indexOf('reset'));
    }
  });

  it('checks the size against the GL-AR750 partition and flashes at its address', () => {
    const s = flashScript(getDevice('gl-ar750'), defaultTftp);
    expect(s).toContain('-le 0xfa0000; then erase 0x9f060000 +0x${filesize} && cp.b 0x81000000 0x9f060000 0x${filesize}');
  });

  it('boots phramware from RAM', () => {
    const s = tftpbootScript(getDevice('gl-mt300a'), 0x83f00000, { ipaddr: '10.0.0.2', serverip: '10.0.0.1' });
    expect(s).toContain('setenv serverip 10.0.0.1\n');
    expect(s).toContain('tftpboot 0x83f00000 phramware.bin\nbootm 0x83f00000\n');
  });

  it('refuses to flash a device without flash', () => {
    expect(() => flashScript(getDevice('qemu-malta'), defaultTftp)).toThrow(/no flash/);
  });
});
