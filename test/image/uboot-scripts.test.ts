import { describe, expect, it } from 'vitest';
import { getDevice } from '../../src/image/devices.js';
import { defaultTftp, flashScript, scriptImage, tftpbootScript } from '../../src/image/uboot-scripts.js';

describe('U-Boot scripts', () => {
  it('flashes the GL-MT300N-v2 firmware partition only after a download that iminfo accepts and that fits it', () => {
    const s = flashScript(getDevice('gl-mt300n-v2'), defaultTftp, 'console=ttyS0');
    expect(s.split('\n').slice(1)).toEqual([
      'setenv ipaddr 192.168.1.1',
      'setenv serverip 192.168.1.2',
      'if tftpboot 0x81000000 firmware.bin && iminfo 0x81000000; then ' +
        'if itest 0x${filesize} -le 0xfb0000; then ' +
        'erase 0xbc050000 +0x${filesize} && cp.b 0x81000000 0xbc050000 0x${filesize} && reset; ' +
        'else echo "firmware.bin is larger than the 0xfb0000-byte firmware partition: flash left unchanged"; fi; ' +
        'else echo "firmware.bin did not download or is not a valid uImage: flash left unchanged"; fi',
      '',
    ]);
  });

  it('never runs erase, cp.b or reset as a command of its own (U-Boot scripts go on after a failure)', () => {
    for (const name of ['gl-mt300n-v2', 'gl-mt300a', 'gl-ar750']) {
      const lines = flashScript(getDevice(name), defaultTftp, '').split('\n');
      const risky = lines.filter((l) => /\b(erase|cp\.b|reset)\b/.test(l));
      expect(risky).toHaveLength(1);
      // The write is reached only through `tftpboot ... && iminfo` (at the download's address)
      // and the size check's `then`.
      expect(risky[0]).toMatch(/^if tftpboot (\S+) firmware\.bin && iminfo \1; then if itest 0x\$\{filesize\} -le 0x[0-9a-f]+; then erase /);
      expect(risky[0]!.indexOf('else')).toBeGreaterThan(risky[0]!.indexOf('reset'));
      expect(risky[0]).toMatch(/; fi; else echo "[^"]*: flash left unchanged"; fi$/);
    }
  });

  it('checks the size against the GL-AR750 partition and flashes at its address', () => {
    const s = flashScript(getDevice('gl-ar750'), defaultTftp, '');
    expect(s).toContain('-le 0xfa0000; then erase 0x9f060000 +0x${filesize} && cp.b 0x81000000 0x9f060000 0x${filesize}');
  });

  it('boots phramware from RAM', () => {
    const s = tftpbootScript(getDevice('gl-mt300a'), 0x83f00000, { ipaddr: '10.0.0.2', serverip: '10.0.0.1' }, 'console=ttyS0');
    expect(s).toContain('setenv serverip 10.0.0.1\n');
    expect(s).toContain('tftpboot 0x83f00000 phramware.bin\nbootm 0x83f00000\n');
  });

  it('sets bootargs for a kernel that takes U-Boot\'s, and saves them with the boot from flash', () => {
    const dev = getDevice('qemu-malta-uboot');
    const args = 'console=ttyS0 mem=256M memmap=3M$0x6000000';
    const tftp = tftpbootScript(dev, 0x85d00000, defaultTftp, args);
    expect(tftp).toContain(`tftpboot 0x85d00000 phramware.bin\nsetenv bootargs '${args}'\nbootm 0x85d00000\n`);
    // The router DTB devices carry the command line in the kernel: no bootargs for them.
    expect(tftpbootScript(getDevice('gl-mt300a'), 0x83f00000, defaultTftp, args)).not.toContain('bootargs');
    const flash = flashScript(dev, defaultTftp, 'console=ttyS0 root=/dev/mtdblock0');
    expect(flash).toContain(
      "cp.b 0x81000000 0xbe060000 0x${filesize} && setenv bootargs 'console=ttyS0 root=/dev/mtdblock0' && " +
        "setenv bootcmd 'bootm 0xbe060000' && saveenv && reset; else",
    );
    expect(() => flashScript(dev, defaultTftp, "console='x'")).toThrow(expect.objectContaining({ code: 'bad-cmdline' }));
  });

  it('wraps a script as mkimage -T script does: header, a length table, the text', () => {
    const img = Buffer.from(scriptImage('echo hi\n', 'nixwrt flash', 1700000000));
    expect(img.readUInt32BE(0)).toBe(0x27051956);
    expect(img[30]).toBe(6); // IH_TYPE_SCRIPT
    expect(img.readUInt32BE(64)).toBe(8);
    expect(img.readUInt32BE(68)).toBe(0);
    expect(img.subarray(72).toString()).toBe('echo hi\n');
  });

  it('refuses to flash a device without flash', () => {
    expect(() => flashScript(getDevice('qemu-malta'), defaultTftp, '')).toThrow(/no flash/);
  });
});
