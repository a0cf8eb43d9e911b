import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FitError, buildFit, readFit } from '../../src/kernel/index.js';
import { packageRoot } from '../../src/util/package-root.js';
import { havePeers } from '../helpers/peer.js';

const run = promisify(execFile);

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

// A minimal DTB (root node only), built by hand, independent of our writer.
function tinyDtb(): Uint8Array {
  const b = new Uint8Array(72);
  const dv = new DataView(b.buffer);
  const words = [0xd00dfeed, 72, 56, 72, 40, 17, 16, 0, 0, 16];
  words.forEach((w, i) => dv.setUint32(i * 4, w));
  // rsvmap terminator (40..55) is zero; struct: BEGIN_NODE "" (padded), END_NODE, END
  dv.setUint32(56, 1);
  dv.setUint32(60, 0);
  dv.setUint32(64, 2);
  dv.setUint32(68, 9);
  return b;
}

describe('FIT reader', () => {
  const kernel = bytes(5000, 1);
  const dtb = tinyDtb();
  const fit = buildFit({ kernel, dtb, time: 1700000000, load: 0x80000000, entry: 0x80000400, name: 'fit', arch: 5, comp: 3 });

  it('reads back what buildFit wrote, hashes verified', () => {
    const f = readFit(fit);
    expect(f.description).toBe('fit');
    expect(f.timestamp).toBe(1700000000);
    expect(f.images.map((i) => i.name)).toEqual(['kernel-1', 'fdt-1']);
    const k = f.images[0]!;
    expect(k).toMatchObject({ type: 'kernel', arch: 'mips', os: 'linux', compression: 'lzma', load: 0x80000000, entry: 0x80000400 });
    expect(Buffer.from(k.data).equals(Buffer.from(kernel))).toBe(true);
    expect(k.hashes.map((h) => [h.algo, h.verified])).toEqual([['crc32', true], ['sha1', true]]);
    expect(Buffer.from(f.images[1]!.data).equals(Buffer.from(dtb))).toBe(true);
    expect(f.defaultConfig).toBe('config-1');
    expect(f.configurations).toEqual([{ name: 'config-1', kernel: 'kernel-1', fdt: 'fdt-1', description: 'fit' }]);
  });

  it('flipped-data-byte: fit-bad-hash', () => {
    const b = fit.slice();
    const at = Buffer.from(b).indexOf(Buffer.from(kernel.subarray(0, 64)));
    expect(at).toBeGreaterThan(0);
    b[at + 100] ^= 1;
    expect(() => readFit(b)).toThrow(FitError);
    try {
      readFit(b);
    } catch (e) {
      expect((e as FitError).code).toBe('fit-bad-hash');
    }
  });

  it('a plain DTB is not a FIT: fit-no-images', () => {
    expect(() => readFit(tinyDtb())).toThrow(/no \/images/);
  });
});

describe.skipIf(!havePeers('mkimage', 'dtc'))('FIT reader on mkimage -f output', () => {
  it('reads and verifies a FIT written by mkimage from an .its', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-fit-'));
    const kernel = bytes(3333, 7);
    writeFileSync(join(dir, 'k.bin'), kernel);
    writeFileSync(join(dir, 't.dtb'), tinyDtb());
    writeFileSync(
      join(dir, 'x.its'),
      `/dts-v1/;
/ {
  description = "from mkimage";
  #address-cells = <1>;
  images {
    kernel-1 { description = "k"; data = /incbin/("k.bin"); type = "kernel"; arch = "mips"; os = "linux";
      compression = "lzma"; load = <0x80000000>; entry = <0x80000400>;
      hash-1 { algo = "crc32"; }; hash-2 { algo = "sha1"; }; hash-3 { algo = "sha256"; }; };
    fdt-1 { description = "d"; data = /incbin/("t.dtb"); type = "flat_dt"; arch = "mips"; compression = "none";
      hash-1 { algo = "crc32"; }; };
  };
  configurations { default = "conf-1"; conf-1 { kernel = "kernel-1"; fdt = "fdt-1"; }; };
};
`,
    );
    await run('mkimage', ['-f', join(dir, 'x.its'), join(dir, 'x.itb')], { cwd: dir, env: { ...process.env, SOURCE_DATE_EPOCH: '1' } });
    const f = readFit(new Uint8Array(readFileSync(join(dir, 'x.itb'))));
    expect(f.description).toBe('from mkimage');
    expect(f.timestamp).toBe(1);
    expect(Buffer.from(f.images[0]!.data).equals(Buffer.from(kernel))).toBe(true);
    expect(f.images[0]!.hashes.map((h) => [h.algo, h.verified])).toEqual([['crc32', true], ['sha1', true], ['sha256', true]]);
    expect(f.defaultConfig).toBe('conf-1');
    // nixwrt mkimage -l lists a FIT too.
    const cli = join(packageRoot(), 'bin', 'nixwrt.js');
    const { stdout } = await run(process.execPath, [cli, 'mkimage', '-l', join(dir, 'x.itb')]);
    expect(stdout).toContain(' Image 0 (kernel-1)');
    expect(stdout).toContain('(verified)');
  });
});
