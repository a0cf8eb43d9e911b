import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ARCH_CODES,
  COMP_CODES,
  OS_CODES,
  TYPE_CODES,
  UIMAGE_HEADER_SIZE,
  UImageError,
  concatBytes,
  decodeHeader,
  encodeHeader,
  readUImage,
  writeUImage,
  type UImageOptions,
} from '../../src/kernel/uimage/index.js';
import { nativeList, nativeMkimage } from '../../native/mkimage.js';
import { packageRoot } from '../../src/util/package-root.js';
import { havePeers } from '../helpers/peer.js';
import { pseudoRandom } from '../helpers/pseudo-random.js';

const run = promisify(execFile);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');


describe('uImage writer', () => {
  it('pins the 64-byte header of a known image (bytes from mkimage 2023.01, SOURCE_DATE_EPOCH=1700000000)', () => {
    const img = writeUImage(enc('hello\n'), {
      time: 1700000000,
      load: 0x80000000,
      entry: 0x80000400,
      name: 'nixwrt',
      comp: COMP_CODES.lzma!,
    });
    expect(hex(img)).toBe(
      '2705195684be7d496553f100000000068000000080000400363a30200505' +
        '02036e697877727400000000000000000000000000000000000000000000' +
        '0000000068656c6c6f0a',
    );
    expect(UIMAGE_HEADER_SIZE).toBe(64);
  });

  it('round-trips every field through the reader; a 32-byte name has no terminator', () => {
    const name = '0123456789abcdef0123456789ABCDEF-cut';
    const img = writeUImage(pseudoRandom(1000, 3), { time: 5, load: 0x80060000, name, arch: 22, os: 17, comp: 6, type: 3 });
    const r = readUImage(img);
    expect(r.header).toMatchObject({ time: 5, size: 1000, load: 0x80060000, entry: 0x80060000, os: 17, arch: 22, type: 3, comp: 6 });
    expect(r.header.name).toBe(name.slice(0, 32));
    expect(r.data).toEqual(pseudoRandom(1000, 3));
  });

  it('multi: size table, images padded to 4 bytes except the last', () => {
    const parts = [pseudoRandom(5, 1), pseudoRandom(8, 2), pseudoRandom(3, 3)];
    const img = writeUImage(parts, { time: 0, load: 0, name: 'm', type: TYPE_CODES.multi! });
    const r = readUImage(img);
    expect(r.header.size).toBe(16 + 8 + 8 + 3);
    expect(hex(r.data.subarray(0, 16))).toBe('00000005000000080000000300000000');
    expect(r.images).toEqual(parts);
  });

  it('is deterministic: same inputs, same bytes', () => {
    const o: UImageOptions = { time: 42, load: 0x80000000, name: 'x', comp: 3 };
    expect(writeUImage(pseudoRandom(777, 9), o)).toEqual(writeUImage(pseudoRandom(777, 9), o));
  });
});

describe('uImage reader errors', () => {
  const good = writeUImage(pseudoRandom(100, 1), { time: 1, load: 0x80000000, name: 'k' });
  const code = (b: Uint8Array): string => {
    try {
      readUImage(b);
    } catch (e) {
      expect(e).toBeInstanceOf(UImageError);
      return (e as UImageError).code;
    }
    return 'no error';
  };
  it('accepts the good image', () => expect(code(good)).toBe('no error'));
  it('short-header', () => expect(code(good.subarray(0, 63))).toBe('uimage-truncated'));
  it('short-data', () => expect(code(good.subarray(0, 150))).toBe('uimage-truncated'));
  it('bad-magic', () => {
    const b = good.slice();
    b[0] = 0x28;
    expect(code(b)).toBe('uimage-bad-magic');
  });
  it('flipped-header-byte', () => {
    const b = good.slice();
    b[40] ^= 1;
    expect(code(b)).toBe('uimage-bad-hcrc');
  });
  it('flipped-data-byte', () => {
    const b = good.slice();
    b[100] ^= 0x80;
    expect(code(b)).toBe('uimage-bad-dcrc');
  });
  it('multi table without terminator', () => {
    const body = new Uint8Array([0, 0, 0, 1, 0xaa]);
    const fields = { time: 0, load: 0, entry: 0, name: '', os: 5, arch: 5, type: TYPE_CODES.multi!, comp: 0 };
    expect(code(concatBytes([encodeHeader(fields, body), body]))).toBe('uimage-bad-multi');
  });
  it('multi image running past the payload', () => {
    const body = new Uint8Array([0, 0, 0, 9, 0, 0, 0, 0, 0xaa]);
    const fields = { time: 0, load: 0, entry: 0, name: '', os: 5, arch: 5, type: TYPE_CODES.multi!, comp: 0 };
    expect(code(concatBytes([encodeHeader(fields, body), body]))).toBe('uimage-bad-multi');
  });
});

describe.skipIf(!havePeers('mkimage', 'dumpimage'))('uImage against mkimage', () => {
  const cases: Array<{ arch: string; os: string; type: string; comp: string; load: string; entry?: string; name: string; data: Uint8Array[] }> = [
    { arch: 'mips', os: 'linux', type: 'kernel', comp: 'lzma', load: '0x80000000', entry: '0x80000400', name: 'NixWRT kernel', data: [pseudoRandom(4099, 1)] },
    { arch: 'mips', os: 'linux', type: 'kernel', comp: 'none', load: '80060000', name: 'no 0x prefix', data: [pseudoRandom(10, 2)] },
    { arch: 'mips64', os: 'linux', type: 'kernel_noload', comp: 'gzip', load: '0', name: '', data: [pseudoRandom(1, 3)] },
    { arch: 'arm', os: 'linux', type: 'ramdisk', comp: 'bzip2', load: '0x00800000', name: 'rd', data: [pseudoRandom(333, 4)] },
    { arch: 'arm64', os: 'u-boot', type: 'firmware', comp: 'zstd', load: '0x40000000', name: 'fw', data: [pseudoRandom(64, 5)] },
    { arch: 'riscv', os: 'linux', type: 'standalone', comp: 'lz4', load: '0x1000', entry: '0x1004', name: 'sa', data: [pseudoRandom(2, 6)] },
    { arch: 'powerpc', os: 'netbsd', type: 'filesystem', comp: 'lzo', load: '0', name: 'fs', data: [pseudoRandom(4, 13)] },
    { arch: 'mips', os: 'linux', type: 'multi', comp: 'none', load: '0x80000000', name: 'multi', data: [pseudoRandom(1001, 7), pseudoRandom(7, 8), pseudoRandom(1000, 9)] },
    { arch: 'mips', os: 'linux', type: 'multi', comp: 'lzma', load: '0x80000000', name: 'multi aligned', data: [pseudoRandom(16, 10), pseudoRandom(5, 11)] },
    { arch: 'x86_64', os: 'linux', type: 'script', comp: 'none', load: '0', name: 'script', data: [enc('echo hi\n')] },
    { arch: 'sh', os: 'openbsd', type: 'kernel', comp: 'none', load: '0x8c000000', name: 'a name that is longer than thirty-two bytes', data: [pseudoRandom(99, 12)] },
  ];

  for (const [i, c] of cases.entries()) {
    it(`byte-identical: -A ${c.arch} -O ${c.os} -T ${c.type} -C ${c.comp} (${c.data.length} file(s))`, async () => {
      const time = 1700000000 + i;
      const theirs = await nativeMkimage({ ...c, time });
      const load = parseInt(c.load, 16);
      const multi = c.type === 'multi' || c.type === 'script';
      const ours = writeUImage(multi ? c.data : c.data[0]!, {
        time,
        load,
        entry: c.entry === undefined ? load : parseInt(c.entry, 16),
        name: c.name,
        arch: ARCH_CODES[c.arch]!,
        os: OS_CODES[c.os]!,
        type: TYPE_CODES[c.type]!,
        comp: COMP_CODES[c.comp]!,
      });
      expect(hex(ours)).toBe(hex(theirs));
      // Our reader reads mkimage's image; dumpimage lists ours.
      const r = readUImage(theirs);
      expect(r.images ?? [r.data]).toEqual(c.data);
      const listing = await nativeList(ours, 'dumpimage');
      expect(listing).toContain(`Load Address: ${load.toString(16).padStart(8, '0')}`);
    });
  }

  it('every architecture and OS name in our tables gives mkimage\'s code', async () => {
    for (const [name, code] of Object.entries(ARCH_CODES)) {
      if (name === 'invalid') continue;
      const img = await nativeMkimage({ arch: name, os: 'linux', type: 'kernel', comp: 'none', data: [enc('x')], time: 0 });
      expect([name, img[29]]).toEqual([name, code]);
    }
    for (const [name, code] of Object.entries(OS_CODES)) {
      if (name === 'invalid' || name === 'lynxos') continue; // mkimage 2023.01 has no name for 13
      const img = await nativeMkimage({ arch: 'mips', os: name, type: 'kernel', comp: 'none', data: [enc('x')], time: 0 });
      expect([name, img[28]]).toEqual([name, code]);
    }
  });

  it('nixwrt mkimage CLI writes the same bytes as mkimage, with its defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-mkimage-cli-'));
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeFileSync(a, pseudoRandom(3001, 21));
    writeFileSync(b, pseudoRandom(13, 22));
    const cli = join(packageRoot(), 'bin', 'nixwrt.js');
    const env = { ...process.env, SOURCE_DATE_EPOCH: '1234567890' };
    const argSets = [
      ['-A', 'mips', '-O', 'linux', '-T', 'kernel', '-C', 'lzma', '-a', '0x80000000', '-e', '0x80000400', '-n', 'Linux-6.1', '-d', a],
      ['-T', 'multi', '-C', 'none', '-a', '80000000', '-n', 'two', '-d', `${a}:${b}`],
      ['-d', a], // mkimage defaults: ppc, linux, kernel, gzip, load 0
    ];
    for (const [i, args] of argSets.entries()) {
      const ours = join(dir, `ours${i}`);
      const theirs = join(dir, `theirs${i}`);
      await run(process.execPath, [cli, 'mkimage', ...args, ours], { env });
      await run('mkimage', [...args, theirs], { env });
      expect(hex(readFileSync(ours))).toBe(hex(readFileSync(theirs)));
      const { stdout } = await run(process.execPath, [cli, 'mkimage', '-l', theirs]);
      expect(stdout).toContain('Data Size:');
    }
    // A corrupt image: coded error, exit code 1.
    const bad = readFileSync(join(dir, 'theirs0'));
    bad[70] ^= 1;
    writeFileSync(join(dir, 'bad'), bad);
    const r = await run(process.execPath, [cli, 'mkimage', '-l', join(dir, 'bad')]).catch((e: { code: number; stderr: string }) => e);
    expect(r).toMatchObject({ code: 1 });
    expect((r as { stderr: string }).stderr).toContain('[uimage-bad-dcrc]');
  });
});

describe('decodeHeader', () => {
  it('leaves a Buffer it is given unchanged (Buffer#slice shares memory)', () => {
    const img = Buffer.from(writeUImage(new Uint8Array([1, 2, 3]), { time: 0, load: 0x80000000, entry: 0x80000000, name: 'x' }));
    const before = Buffer.from(img);
    decodeHeader(img);
    expect(img.equals(before)).toBe(true);
  });
});
