import { describe, expect, it } from 'vitest';
import { elfToRaw, readElf, ElfError, KERNEL_REMOVED_SECTIONS } from '../../src/kernel/elf/index.js';
import { nativeElfToRaw, OBJCOPY } from '../../native/objcopy.js';
import { havePeers } from '../helpers/peer.js';
import { AS, LD, buildSamples } from './elf-samples.js';

const peers = havePeers(OBJCOPY, AS, LD);

describe.skipIf(!peers)('elfToRaw equals objcopy -O binary', () => {
  const samples = peers ? buildSamples() : [];

  it('covers 32/64-bit, both endians, several layouts', () => {
    expect(samples.length).toBe(28);
    const classes = new Set(samples.map((s) => `${readElf(s.bytes).header.class}${readElf(s.bytes).header.littleEndian}`));
    expect(classes.size).toBe(4);
  });

  for (const name of buildNames()) {
    it(name, async () => {
      const s = samples.find((x) => x.name === name)!;
      const ours = elfToRaw(s.bytes);
      const theirs = await nativeElfToRaw(s.bytes);
      expect(ours.data.length).toBe(theirs.length);
      expect(Buffer.from(ours.data).equals(Buffer.from(theirs))).toBe(true);
      // The removed sections never contribute.
      for (const sec of ours.sections) expect(KERNEL_REMOVED_SECTIONS).not.toContain(sec.name);
    });
  }

  it('zero-fills the gap between PT_LOADs placed by LMA (at-gap layout)', () => {
    const s = samples.find((x) => x.name === 'el32 at-gap')!;
    const raw = elfToRaw(s.bytes);
    expect(raw.start).toBe(0xffffffff80001000n); // sign-extended, as BFD does for MIPS32
    const data = raw.sections.find((x) => x.name === '.data')!;
    expect(data.at).toBe(0x3000); // LMA 0x80004000 - 0x80001000
    expect(Buffer.from(raw.data.subarray(data.at, data.at + 4)).readUInt32LE(0)).toBe(0xdeadbeef);
    expect(raw.sections.map((x) => x.name)).not.toContain('.bss');
  });

  it('keeps LMA = VMA when every p_paddr is zero and there are several PT_LOADs', async () => {
    const s = samples.find((x) => x.name === 'el32 at-gap')!;
    const b = new Uint8Array(s.bytes);
    const elf = readElf(b);
    const dv = new DataView(b.buffer);
    const phoff = Number(elf.header.phoff);
    elf.programHeaders.forEach((_, i) => dv.setUint32(phoff + i * 32 + 12, 0, true));
    const ours = elfToRaw(b);
    const theirs = await nativeElfToRaw(b);
    expect(Buffer.from(ours.data).equals(Buffer.from(theirs))).toBe(true);
    expect(ours.sections.find((x) => x.name === '.data')!.at).toBe(0xf000); // by VMA now
  });

  it('later sections overwrite earlier ones where LMAs overlap', async () => {
    // Point .rodata's file bytes into .text's LMA range by moving the segment's paddr of a copy.
    const s = samples.find((x) => x.name === 'el32 reversed-lma')!;
    const b = new Uint8Array(s.bytes);
    const elf = readElf(b);
    const dv = new DataView(b.buffer);
    const phoff = Number(elf.header.phoff);
    const loads = elf.programHeaders.map((p, i) => ({ p, i })).filter((x) => x.p.type === 1);
    expect(loads.length).toBeGreaterThanOrEqual(2);
    // Give the second PT_LOAD the first one's LMA.
    dv.setUint32(phoff + loads[1]!.i * 32 + 12, Number(BigInt.asUintN(32, loads[0]!.p.paddr)), true);
    const ours = elfToRaw(b);
    const theirs = await nativeElfToRaw(b);
    expect(Buffer.from(ours.data).equals(Buffer.from(theirs))).toBe(true);
  });
});

describe('ELF reader errors', () => {
  const tiny = (): Uint8Array => {
    // A minimal ELF32 LE header with no sections.
    const b = new Uint8Array(52);
    b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
    const dv = new DataView(b.buffer);
    dv.setUint16(16, 2, true);
    dv.setUint16(18, 8, true);
    dv.setUint32(20, 1, true);
    dv.setUint32(24, 0x80000400, true);
    dv.setUint16(40, 52, true);
    return b;
  };
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ElfError);
      return (e as ElfError).code;
    }
    return 'no error';
  };

  it('not-an-elf', () => expect(code(() => readElf(new TextEncoder().encode('#!/bin/sh\n')))).toBe('elf-not-elf'));
  it('empty file', () => expect(code(() => readElf(new Uint8Array(0)))).toBe('elf-not-elf'));
  it('truncated header', () => expect(code(() => readElf(tiny().subarray(0, 40)))).toBe('elf-truncated'));
  it('bad class', () => {
    const b = tiny();
    b[4] = 7;
    expect(code(() => readElf(b))).toBe('elf-bad-ident');
  });
  it('program header table past the end', () => {
    const b = tiny();
    const dv = new DataView(b.buffer);
    dv.setUint32(28, 0x100000, true);
    dv.setUint16(42, 32, true);
    dv.setUint16(44, 3, true);
    expect(code(() => readElf(b))).toBe('elf-truncated');
  });
  it('wrong program header entry size', () => {
    const b = tiny();
    const dv = new DataView(b.buffer);
    dv.setUint16(42, 17, true);
    dv.setUint16(44, 1, true);
    expect(code(() => readElf(b))).toBe('elf-bad-header');
  });
  it('no sections', () => {
    const elf = readElf(tiny());
    expect(elf.header.entry).toBe(0xffffffff80000400n);
    expect(code(() => elfToRaw(elf))).toBe('elf-no-sections');
  });

  describe.skipIf(!peers)('on linked samples', () => {
    const base = peers ? buildSamples().find((x) => x.name === 'el32 at-gap')!.bytes : new Uint8Array();
    it('truncated file: section data cut off', () => {
      const elf = readElf(base);
      const text = elf.sectionHeaders.find((s) => s.name === '.text')!;
      // Keep the headers but move .text's offset far past the end.
      const b = new Uint8Array(base);
      const dv = new DataView(b.buffer);
      dv.setUint32(Number(elf.header.shoff) + text.index * 40 + 16, 0x7fff0000, true);
      expect(code(() => elfToRaw(b))).toBe('elf-truncated');
    });
    it('absurd section size', () => {
      const elf = readElf(base);
      const text = elf.sectionHeaders.find((s) => s.name === '.text')!;
      const b = new Uint8Array(base);
      new DataView(b.buffer).setUint32(Number(elf.header.shoff) + text.index * 40 + 20, 0xfffffff0, true);
      expect(['elf-truncated', 'elf-absurd-size']).toContain(code(() => elfToRaw(b)));
    });
    it('absurd LMA spread', () => {
      const elf = readElf(base);
      const b = new Uint8Array(base);
      const dv = new DataView(b.buffer);
      const phoff = Number(elf.header.phoff);
      const i = elf.programHeaders.findIndex((p) => p.type === 1 && p.offset > 0n);
      dv.setUint32(phoff + i * 32 + 12, 0x10000000, true); // 1.75 GiB below the other PT_LOAD
      expect(code(() => elfToRaw(b))).toBe('elf-absurd-size');
    });
    it('absurd segment size: PT_LOAD past the end of the file', () => {
      const elf = readElf(base);
      const b = new Uint8Array(base);
      const dv = new DataView(b.buffer);
      const i = elf.programHeaders.findIndex((p) => p.type === 1);
      dv.setUint32(Number(elf.header.phoff) + i * 32 + 16, 0x7ffffff0, true); // p_filesz
      dv.setUint32(Number(elf.header.phoff) + i * 32 + 20, 0x7ffffff0, true); // p_memsz
      expect(code(() => elfToRaw(b))).toBe('elf-truncated');
    });
    it('segment with more file bytes than memory bytes', () => {
      const elf = readElf(base);
      const b = new Uint8Array(base);
      const i = elf.programHeaders.findIndex((p) => p.type === 1 && p.memsz > 4n);
      new DataView(b.buffer).setUint32(Number(elf.header.phoff) + i * 32 + 20, 4, true); // p_memsz
      expect(code(() => elfToRaw(b))).toBe('elf-bad-header');
    });
    it('section header table cut off', () => {
      expect(code(() => readElf(base.subarray(0, base.length - 20)))).toBe('elf-truncated');
    });
  });
});

function buildNames(): string[] {
  const names: string[] = [];
  for (const fl of ['el32', 'eb32', 'el64', 'eb64']) {
    for (const l of ['relocatable', 'at-gap', 'holes', 'reversed-lma', 'low', 'default-static', 'default-pie']) names.push(`${fl} ${l}`);
  }
  return names;
}
