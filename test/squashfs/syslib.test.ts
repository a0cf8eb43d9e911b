import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { haveRequirement } from '../helpers/peer.js';
import { sysLibs } from '../../src/squashfs/syslib.js';
import { XZ_FILTER_ID, lzma2Bound, xzContainer } from '../../src/squashfs/xz.js';
import { mixed, noise } from './trees.js';

const lib = sysLibs();

describe.skipIf(!haveRequirement(lib !== null, 'the system zlib/liblzma/libzstd through koffi'))('system-library compressors', () => {
  const sys = lib!;
  const inputs = [mixed(131072, 'a'), mixed(5000, 'b'), mixed(131072, 'c'), mixed(1 << 20, 'd')];

  it('zlib: the pooled and same-thread calls give the same bytes, and they inflate back, across reused streams and levels', async () => {
    for (const level of [9, 1, 9]) {
      // In flight together: each call needs a stream of its own.
      const pooled = await Promise.all(inputs.map((d) => sys.async.zlib(d, level, d.length)));
      inputs.forEach((d, i) => {
        const same = sys.zlib(d, level, d.length);
        expect(same).not.toBeNull();
        expect(Buffer.from(pooled[i]!).equals(Buffer.from(same!))).toBe(true);
        expect(Buffer.from(inflateSync(same!)).equals(Buffer.from(d))).toBe(true);
      });
    }
  });

  it('every codec returns null when the output does not fit, and exact-size results otherwise', async () => {
    const d = noise(65536, 'n');
    expect(sys.zlib(d, 9, d.length - 1)).toBeNull();
    expect(await sys.async.zlib(d, 9, d.length - 1)).toBeNull();
    expect(await sys.async.xz(d, 65536, undefined, d.length - 1)).toBeNull();
    expect(await sys.async.zstd(d, 15, d.length - 1)).toBeNull();
    // The stream that hit the limit is reused cleanly.
    const m = inputs[1]!;
    const z = sys.zlib(m, 9, m.length)!;
    expect(Buffer.from(inflateSync(z)).equals(Buffer.from(m))).toBe(true);
    for (const out of [z, await sys.async.xz(m, 8192, undefined, m.length), await sys.async.zstd(m, 15, m.length)]) {
      expect(out).not.toBeNull();
      expect(out!.byteLength).toBe(out!.buffer.byteLength);
    }
  });

  it('xz and zstd: pooled calls match same-thread calls', async () => {
    for (const d of inputs) {
      const [x, z] = await Promise.all([sys.async.xz(d, 131072, undefined, d.length), sys.async.zstd(d, 15, d.length)]);
      expect(Buffer.from(x!).equals(Buffer.from(sys.xz(d, 131072, undefined, d.length)!))).toBe(true);
      expect(Buffer.from(z!).equals(Buffer.from(sys.zstd(d, 15, d.length)!))).toBe(true);
    }
  });

  it('xzContainer wraps raw LZMA2 exactly as liblzma does (header sized for lzma2_bound)', () => {
    // The peer is liblzma's own lzma_stream_buffer_encode: cut its raw filter output out of the
    // stream and wrap it again. Cases where the real compressed size needs a shorter VLI than
    // the bound: 1 byte against 2, and 2 against 3 with a BCJ filter (header 16, not 20 bytes).
    const text = (n: number) => new TextEncoder().encode(Array.from({ length: n }, (_, i) => `line ${i % 97}\n`).join('')).subarray(0, n);
    const cases: Array<[Uint8Array, number | undefined]> = [
      [new Uint8Array(200).fill(97), undefined],
      [text(100_000), XZ_FILTER_ID.x86],
      [text(100_000), undefined],
      [mixed(131072, 'x'), XZ_FILTER_ID.arm],
      [noise(3000, 'y'), undefined],
    ];
    let shorter = 0;
    for (const [data, bcj] of cases) {
      const peer = sys.xz(data, 131072, bcj, data.length + 1024)!;
      expect(peer).not.toBeNull();
      const headerSize = (peer[12]! + 1) * 4;
      let csize = 0;
      for (let i = 14, mul = 1; ; i++, mul *= 128) {
        csize += (peer[i]! & 0x7f) * mul;
        if (peer[i]! < 0x80) break;
      }
      const vliBytes = (n: number) => Math.ceil(n.toString(2).length / 7);
      if (vliBytes(csize) < vliBytes(lzma2Bound(data.length))) shorter++;
      const raw = peer.subarray(12 + headerSize, 12 + headerSize + csize);
      const ids = bcj === undefined ? [XZ_FILTER_ID.lzma2] : [bcj, XZ_FILTER_ID.lzma2];
      expect(Buffer.from(xzContainer(raw, data, ids, 131072)).equals(Buffer.from(peer))).toBe(true);
    }
    expect(shorter).toBeGreaterThan(0);
  });
});
