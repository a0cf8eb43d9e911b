import { describe, expect, it } from 'vitest';
import {
  assembleToBuffer,
  checkFits,
  nixwrtLayout,
  openwrtLayout,
  type Region,
} from '../../src/image/layout.js';

const summary = (rs: Region[]) => rs.map((r) => [r.kind, r.offset, r.size]);

describe('NixWRT layout', () => {
  it('pads uImage and squashfs to 128 KiB with zeros', () => {
    const l = nixwrtLayout(1_000_000, 300_000);
    expect(l.rootfsOffset).toBe(1_048_576);
    expect(l.size).toBe(1_441_792);
    expect(summary(l.regions)).toEqual([
      ['kernel', 0, 1_000_000],
      ['fill', 1_000_000, 48_576],
      ['rootfs', 1_048_576, 300_000],
      ['fill', 1_348_576, 93_216],
    ]);
  });

  it('adds no padding to an already aligned part', () => {
    const l = nixwrtLayout(131_072, 262_144);
    expect(summary(l.regions)).toEqual([
      ['kernel', 0, 131_072],
      ['rootfs', 131_072, 262_144],
    ]);
    expect(l.size).toBe(393_216);
  });

  it('assembles the bytes a hand-built image has', () => {
    const kernel = new Uint8Array(5).fill(0x11);
    const rootfs = new Uint8Array(3).fill(0x22);
    const l = nixwrtLayout(5, 3, 8);
    const expected = Uint8Array.from([0x11, 0x11, 0x11, 0x11, 0x11, 0, 0, 0, 0x22, 0x22, 0x22, 0, 0, 0, 0, 0]);
    expect(assembleToBuffer(l, { kernel, rootfs })).toEqual(expected);
  });
});

describe('OpenWrt layout', () => {
  it('aligns the rootfs to the erase block and writes one JFFS2 marker', () => {
    const l = openwrtLayout(1_500_000, 2_000_000, { eraseBlock: 65_536, padJffs2: [65_536] });
    expect(l.rootfsOffset).toBe(1_507_328);
    expect(summary(l.regions)).toEqual([
      ['kernel', 0, 1_500_000],
      ['fill', 1_500_000, 7_328],
      ['rootfs', 1_507_328, 2_000_000],
      ['fill', 3_507_328, 31_616],
      ['jffs2-eof', 3_538_944, 4],
    ]);
    expect(l.size).toBe(3_538_948);
  });

  it('writes a marker at each smaller boundary first, as padjffs2 does', () => {
    const l = openwrtLayout(1_500_000, 2_000_000, { eraseBlock: 65_536, padJffs2: [65_536, 4_096] });
    expect(summary(l.regions).slice(3)).toEqual([
      ['fill', 3_507_328, 2_944],
      ['jffs2-eof', 3_510_272, 4],
      ['fill', 3_510_276, 28_668],
      ['jffs2-eof', 3_538_944, 4],
    ]);
  });

  it('skips boundaries already reached and puts the marker right after an aligned rootfs', () => {
    const l = openwrtLayout(65_536, 65_536, { eraseBlock: 65_536, padJffs2: [4_096, 65_536] });
    expect(summary(l.regions)).toEqual([
      ['kernel', 0, 65_536],
      ['rootfs', 65_536, 65_536],
      ['jffs2-eof', 131_072, 4],
    ]);
  });

  it('fills with 0xFF and writes de ad c0 de', () => {
    const l = openwrtLayout(3, 2, { eraseBlock: 4, padJffs2: [1024] });
    const img = assembleToBuffer(l, { kernel: Uint8Array.of(1, 2, 3), rootfs: Uint8Array.of(9, 9) });
    expect([...img.subarray(0, 6)]).toEqual([1, 2, 3, 0, 9, 9]);
    expect(img.subarray(6, 1024).every((b) => b === 0xff)).toBe(true);
    expect([...img.subarray(1024)]).toEqual([0xde, 0xad, 0xc0, 0xde]);
  });

  it('has no tail without padjffs2', () => {
    const l = openwrtLayout(10, 10, { eraseBlock: 16, padJffs2: [] });
    expect(l.size).toBe(26);
  });

  it('rejects a boundary that is not a power of two', () => {
    expect(() => openwrtLayout(10, 10, { eraseBlock: 16, padJffs2: [3000] })).toThrow(/power of two/);
  });
});

describe('partition size check', () => {
  it('passes an image that fits exactly', () => {
    expect(() => checkFits(nixwrtLayout(131_072, 131_072), 262_144, 'x')).not.toThrow();
  });

  it('names the bytes over the partition', () => {
    const l = nixwrtLayout(2_000_000, 14_500_000);
    expect(l.size).toBe(16_646_144);
    let err: unknown;
    try {
      checkFits(l, 0xfb0000, 'gl-mt300n-v2');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'partition-overflow' });
    expect(String((err as Error).message)).toContain('196608 bytes over');
    expect(String((err as Error).message)).toContain('gl-mt300n-v2');
  });
});
