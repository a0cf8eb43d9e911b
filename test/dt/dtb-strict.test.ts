/**
 * The DTB reader is as strict as `dtc -I dtb` (issue 13): one tiny blob per defect, built
 * here token by token. Each must fail with its typed code, and dtc must refuse it, warn about
 * it, or (for the three dtc takes silently) print DTS that dtc itself cannot compile. What the
 * reader accepts decompiles to DTS that compiles back to the same blob.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileDtsSource, decompile, DtError, parseDtb, toDtb } from '../../src/dt/index.js';
import { havePeers } from '../helpers/peer.js';

type Item = ['begin', string] | ['end'] | ['nop'] | ['prop', string, number[]];

/** A v17 blob with an empty reservation map; property names are not shared. */
function blob(items: Item[]): Buffer {
  const strings: number[] = [];
  const struct: number[] = [];
  const u32 = (v: number) => struct.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  const pad = () => {
    while (struct.length % 4) struct.push(0);
  };
  for (const it of items) {
    if (it[0] === 'begin') {
      u32(1);
      struct.push(...Buffer.from(it[1], 'latin1'), 0);
      pad();
    } else if (it[0] === 'end') u32(2);
    else if (it[0] === 'nop') u32(4);
    else {
      u32(3);
      u32(it[2].length);
      u32(strings.length);
      strings.push(...Buffer.from(it[1], 'latin1'), 0);
      struct.push(...it[2]);
      pad();
    }
  }
  u32(9);
  const offStruct = 40 + 16;
  const offStrings = offStruct + struct.length;
  const total = offStrings + strings.length;
  const b = Buffer.alloc(total);
  [0xd00dfeed, total, offStruct, offStrings, 40, 17, 16, 0, strings.length, struct.length].forEach((v, i) => b.writeUInt32BE(v, i * 4));
  Buffer.from(struct).copy(b, offStruct);
  Buffer.from(strings).copy(b, offStrings);
  return b;
}

const B = (name: string): Item => ['begin', name];
const E: Item = ['end'];
const P = (name: string, ...value: number[]): Item => ['prop', name, value];
const cell = (v: number) => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** How dtc 1.6.1 treats the blob: refuses it, warns, or takes it but cannot round-trip it. */
type Dtc = 'refuses' | 'warns' | 'unparsable-dts';
const bad: [string, string, Dtc, Item[]][] = [
  ['bad character in a node name', 'bad-node-name', 'refuses', [B(''), B('a b'), E, E]],
  ['non-ASCII node name', 'bad-node-name', 'refuses', [B(''), B('a\xe9'), E, E]],
  ["two '@' in a node name", 'bad-node-name', 'refuses', [B(''), B('a@1@2'), E, E]],
  ['a named root', 'bad-node-name', 'unparsable-dts', [B('root'), E]],
  ['an empty node name', 'bad-node-name', 'unparsable-dts', [B(''), B(''), E, E]],
  ['bad character in a property name', 'bad-property-name', 'refuses', [B(''), P('p q'), E]],
  ['an empty property name', 'bad-property-name', 'unparsable-dts', [B(''), P(''), E]],
  ['a "name" property unlike the node name', 'bad-property-name', 'refuses', [B(''), B('a'), P('name', 0x62, 0), E, E]],
  ['duplicate property', 'duplicate-property', 'refuses', [B(''), P('p', ...cell(1)), P('p', ...cell(2)), E]],
  ['duplicate node', 'duplicate-node', 'refuses', [B(''), B('a'), E, B('a'), E, E]],
  ['phandle 0', 'bad-phandle', 'refuses', [B(''), B('a'), P('phandle', ...cell(0)), E, E]],
  ['3-byte phandle', 'bad-phandle', 'refuses', [B(''), B('a'), P('phandle', 0, 0, 1), E, E]],
  ['duplicate phandle', 'bad-phandle', 'refuses', [B(''), B('a'), P('phandle', ...cell(1)), E, B('b'), P('phandle', ...cell(1)), E, E]],
  ['property after a subnode', 'bad-dtb', 'warns', [B(''), B('a'), E, P('p', ...cell(1)), E]],
];

const work = join(tmpdir(), `nixwrt-dtb-strict-${process.pid}`);

function runDtc(args: string[], input: Buffer): { status: number | null; stdout: Buffer; stderr: string } {
  mkdirSync(work, { recursive: true });
  const f = join(work, 'in');
  writeFileSync(f, input);
  const r = spawnSync('dtc', [...args, f], { maxBuffer: 1 << 24 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

describe('each defective blob: our typed error', () => {
  for (const [what, code, , items] of bad) {
    it(`${what}: ${code}`, () => {
      const e = (() => {
        try {
          parseDtb(blob(items));
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(DtError);
      expect((e as DtError).code).toBe(code);
    });
  }
});

describe.skipIf(!havePeers('dtc'))('each defective blob: dtc refuses or warns too', () => {
  for (const [what, , dtc, items] of bad) {
    it(`${what}: dtc ${dtc}`, () => {
      const r = runDtc(['-I', 'dtb', '-O', 'dtb', '-o', '/dev/null'], blob(items));
      if (dtc === 'refuses') {
        expect(r.status).not.toBe(0);
        expect(r.stderr).toMatch(/ERROR/);
      } else if (dtc === 'warns') {
        expect(r.stderr).toMatch(/Warning: Flat tree input has subnodes preceding a property/);
      } else {
        expect(r.status).toBe(0);
        const dts = runDtc(['-I', 'dtb', '-O', 'dts'], blob(items)).stdout;
        const back = runDtc(['-I', 'dts', '-O', 'dtb', '-o', '/dev/null'], dts);
        expect(back.status, dts.toString()).not.toBe(0);
      }
    });
  }
});

describe.skipIf(!havePeers('dtc'))('blobs the reader takes are read as dtc reads them', () => {
  const good: [string, Item[]][] = [
    ['NOPs (dropped)', [B(''), ['nop'], B('a@1'), ['nop'], P('reg', ...cell(1)), E, E]],
    ['"name" equal to the node name (dropped)', [B(''), B('a@1'), P('name', 0x61, 0), P('reg', ...cell(1)), E, E]],
    ['phandles, strings, bytes, empty values', [B(''), P('compatible', 0x78, 0, 0x79, 0), P('b', 1, 2, 3), P('e'), B('n'), P('phandle', ...cell(7)), P('linux,phandle', ...cell(7)), E, E]],
  ];
  for (const [what, items] of good) {
    it(what, async () => {
      const b = blob(items);
      const want = runDtc(['-q', '-I', 'dtb', '-O', 'dtb'], b);
      expect(want.status).toBe(0);
      const tree = parseDtb(b);
      expect(Buffer.from(toDtb(tree))).toEqual(want.stdout);
      const again = await compileDtsSource(decompile(tree), { cpp: false });
      expect(Buffer.from(again.dtb)).toEqual(want.stdout);
    });
  }
});
