import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileDtsFile, decompile, DeviceTree, parseDtb, toDtb } from '../../src/dt/index.js';
import { FDT_HEADER_SIZE } from '../../src/dt/fdt/format.js';
import { havePeers } from '../helpers/peer.js';

const dir = join(import.meta.dirname, 'fixtures', 'plain');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.dts')).sort();

function dtc(args: string[], input?: Uint8Array): Buffer {
  return execFileSync('dtc', ['-q', ...args], { input, maxBuffer: 1 << 26 });
}

describe('FDT writer, independent of dtc', () => {
  it('pins the 40-byte v17 header and a tiny blob built by hand', () => {
    expect(FDT_HEADER_SIZE).toBe(40);
    const t = DeviceTree.create();
    t.setProperty('/', 'a', [1]);
    t.addNode('/c');
    t.setProperty('/c', 'b', 'x');
    const hex = [
      'd00dfeed', '00000078', '00000038', '00000074', '00000028', // magic, totalsize 120, struct 56, strings 116, rsvmap 40
      '00000011', '00000010', '00000000', '00000004', '0000003c', // v17, last comp 16, boot cpu 0, strings 4, struct 60
      '00000000000000000000000000000000', // empty reservation map
      '00000001', '00000000', // BEGIN_NODE ""
      '00000003', '00000004', '00000000', '00000001', // PROP len 4 "a" <1>
      '00000001', '63000000', // BEGIN_NODE "c"
      '00000003', '00000002', '00000002', '78000000', // PROP len 2 "b" "x"
      '00000002', '00000002', '00000009', // END_NODE END_NODE END
      '61006200', // strings "a\0b\0"
    ].join('');
    expect(Buffer.from(toDtb(t)).toString('hex')).toBe(hex);
  });

  it('shares strings by suffix and reads back what it wrote', () => {
    const t = DeviceTree.create();
    t.setProperty('/', 'clock-names', 'a');
    t.setProperty('/', 'names', 'b');
    t.setProperty('/', 'lock-names', 'c');
    const dtb = toDtb(t);
    const strings = Buffer.from(dtb.subarray(dtb.length - 12)).toString('latin1');
    expect(strings).toBe('clock-names\0');
    const back = parseDtb(dtb);
    expect(Buffer.from(back.getProperty('/', 'names')!).toString()).toBe('b\0');
    expect(Buffer.from(toDtb(back))).toEqual(Buffer.from(dtb));
  });

  it('edits: bootargs, new nodes, deleted nodes', () => {
    const t = DeviceTree.create();
    t.addNode('/memory@0');
    t.setProperty('/memory', 'reg', [0, 0x800000]);
    t.addNode('/chosen');
    t.setProperty('/chosen', 'bootargs', 'console=ttyS0,115200');
    t.addNode('/reserved-memory/ramoops@7f00000');
    t.addNode('/gone');
    t.deleteNode('/gone');
    const back = parseDtb(toDtb(t));
    expect(Buffer.from(back.getProperty('/chosen', 'bootargs')!).toString('latin1')).toBe('console=ttyS0,115200\0');
    expect(back.getNode('/reserved-memory/ramoops@7f00000')).toBeDefined();
    expect(back.getNode('/gone')).toBeUndefined();
    expect(() => t.setProperty('/nope', 'x', 'y')).toThrow(expect.objectContaining({ code: 'no-such-node' }));
  });
});

describe.skipIf(!havePeers('dtc', 'cpp'))('DTS without cpp, against dtc 1.6.1', () => {
  for (const f of fixtures) {
    it(`${f}: same bytes as dtc, twice; reader and decompiler round-trip`, async () => {
      const path = join(dir, f);
      const ref = dtc(['-O', 'dtb', path]);
      const a = await compileDtsFile(path, { cpp: false });
      const b = await compileDtsFile(path, { cpp: false });
      expect(Buffer.from(a.dtb).toString('hex')).toBe(ref.toString('hex'));
      expect(Buffer.from(b.dtb)).toEqual(Buffer.from(a.dtb));
      // our reader reads dtc's blob and writes it back unchanged
      expect(Buffer.from(toDtb(parseDtb(ref)))).toEqual(ref);
      // decompiled text compiles (by dtc and by us) to the same blob
      const text = decompile(parseDtb(ref));
      const bootCpuid = ref.readUInt32BE(28);
      expect(dtc(['-O', 'dtb', '-b', String(bootCpuid), '-']  , Buffer.from(text, 'latin1'))).toEqual(ref);
      const again = await compileDtsFile(path, { cpp: false });
      expect(again.tree.bootCpuid).toBe(bootCpuid);
    });
    it(`${f}: through our cpp, same bytes as cpp + dtc`, async () => {
      const path = join(dir, f);
      const pre = execFileSync('cpp', ['-nostdinc', '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', path]);
      const ref = dtc(['-O', 'dtb', '-i', dir, '-'], pre);
      const ours = await compileDtsFile(path, {});
      expect(Buffer.from(ours.dtb).toString('hex')).toBe(ref.toString('hex'));
    });
  }
});

describe.skipIf(!havePeers('dtc', 'cpp'))('preprocessor features, against cpp + dtc', () => {
  const cppDir = join(import.meta.dirname, 'fixtures', 'cpp');
  for (const f of readdirSync(cppDir).filter((x) => x.endsWith('.dts')).sort()) {
    it(`${f}: #include <> and "", guards, #if/#elif/defined, #undef, # and ##, nested and multi-line macros`, async () => {
      const path = join(cppDir, f);
      const pre = execFileSync('cpp', ['-nostdinc', '-I', join(cppDir, 'inc'), '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', path]);
      const ref = dtc(['-O', 'dtb', '-'], pre);
      const ours = await compileDtsFile(path, { includeDirs: [join(cppDir, 'inc')] });
      expect(Buffer.from(ours.dtb).toString('hex')).toBe(ref.toString('hex'));
    });
  }
});
