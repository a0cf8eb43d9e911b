import { describe, expect, it } from 'vitest';
import { kseg0, phramCmdline, phramRegionFor, phramVars } from '../../src/image/phram.js';

describe('phram', () => {
  it('rounds the rootfs up to whole MiB and writes the kernel arguments', () => {
    const r = phramRegionFor(5 * 1024 * 1024 + 1, 0x4000000, 128 << 20);
    expect(r).toEqual({ address: 0x4000000, sizeMiB: 6 });
    expect(phramCmdline(r).join(' ')).toBe(
      'mtdparts=phram0:6M(rootfs) phram.phram=phram0,0x4000000,6Mi memmap=6M$0x4000000 root=/dev/mtdblock0',
    );
    expect(phramVars(r)).toBe('phram_sizeMB=6\nphram_offset=0x4000000\n');
  });

  it('takes a configured size that holds the rootfs, and refuses one that does not', () => {
    expect(phramRegionFor(3 << 20, 0x6000000, 256 << 20, 4)).toEqual({ address: 0x6000000, sizeMiB: 4 });
    expect(() => phramRegionFor((3 << 20) + 1, 0x6000000, 256 << 20, 3)).toThrow(
      expect.objectContaining({ code: 'phram-too-small' }),
    );
  });

  it('refuses a region past the end of RAM', () => {
    expect(() => phramRegionFor(70 << 20, 0x4000000, 128 << 20)).toThrow(/past the end of RAM/);
  });

  it('maps physical to KSEG0', () => {
    expect(kseg0(0x4000000)).toBe(0x84000000);
  });
});
