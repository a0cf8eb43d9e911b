/**
 * Small MIPS ELFs of several layouts, assembled and linked with binutils in a temp dir.
 * Each sample names the layout it exercises; the objcopy tests compare our raw image to
 * objcopy's for every one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const AS = 'mipsel-linux-gnu-as';
export const LD = 'mipsel-linux-gnu-ld';

const SOURCE = `
	.section .text,"ax",@progbits
	.globl _start
_start:
	nop
	.word 0x11111111, 0x22222222
	.section .rodata,"a",@progbits
	.ascii "hello rodata"
	.section .data,"aw",@progbits
	.word 0xdeadbeef
	.section .bss,"aw",@nobits
	.space 64
	.section .comment,"",@progbits
	.ascii "comment"
	.section .note,"a",@note
	.word 0,0,0
	.section .init.text,"ax",@progbits
	.word 0x33333333
	.section .empty,"a",@progbits
`;

/** Linker scripts: each a layout objcopy must place the same way we do. */
const SCRIPTS: Record<string, string> = {
  // .data's LMA differs from its VMA (AT), leaving a gap between the two PT_LOADs.
  'at-gap': `SECTIONS { . = 0x80001000; .text : { *(.text) } .rodata : { *(.rodata) }
    . = 0x80010000; .data : AT(0x80004000) { *(.data) } .note : { *(.note) } .bss : { *(.bss) }
    .init.text : { *(.init.text) } .empty : { *(.empty) } } ENTRY(_start)`,
  // Alignment holes inside one segment, a loadable section after .bss.
  'holes': `SECTIONS { . = 0x80000400; .text : { *(.text) } . = ALIGN(0x100); .rodata : { *(.rodata) }
    . = ALIGN(0x1000); .data : { *(.data) } .bss : { *(.bss) } .init.text : { *(.init.text) }
    .note : { *(.note) } } ENTRY(_start)`,
  // Sections whose LMAs are in the opposite order to their VMAs.
  'reversed-lma': `SECTIONS { . = 0x80100000; .text : AT(0x80200000) { *(.text) }
    .rodata : AT(0x80080000) { *(.rodata) } .data : AT(0x80000000) { *(.data) }
    .bss : { *(.bss) } } ENTRY(_start)`,
  // Low addresses, as for a bare-metal image.
  'low': `SECTIONS { . = 0x1000; .text : { *(.text) } .rodata : { *(.rodata) } .data : { *(.data) }
    .note : { *(.note) } .bss : { *(.bss) } } ENTRY(_start)`,
};

export interface Sample {
  name: string;
  bytes: Uint8Array;
}

let cached: Sample[] | undefined;

export function buildSamples(): Sample[] {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'nixwrt-elf-'));
  const src = join(dir, 'a.s');
  writeFileSync(src, SOURCE);
  const flavours: Array<{ tag: string; as: string[]; ld: string[] }> = [
    { tag: 'el32', as: [], ld: [] },
    { tag: 'eb32', as: ['-EB'], ld: ['-EB'] },
    { tag: 'el64', as: ['-64'], ld: ['-m', 'elf64ltsmip'] },
    { tag: 'eb64', as: ['-64', '-EB'], ld: ['-m', 'elf64btsmip'] },
  ];
  const out: Sample[] = [];
  for (const fl of flavours) {
    const obj = join(dir, `${fl.tag}.o`);
    execFileSync(AS, [...fl.as, '-o', obj, src]);
    // A relocatable object: no program headers, every section at address 0 (they overlap).
    out.push({ name: `${fl.tag} relocatable`, bytes: new Uint8Array(readFileSync(obj)) });
    for (const [name, script] of Object.entries(SCRIPTS)) {
      const lds = join(dir, `${name}.ld`);
      writeFileSync(lds, script);
      const elf = join(dir, `${fl.tag}-${name}.elf`);
      execFileSync(LD, [...fl.ld, '-T', lds, '-o', elf, obj]);
      out.push({ name: `${fl.tag} ${name}`, bytes: new Uint8Array(readFileSync(elf)) });
    }
    // ld's own default script, with a build-id note (removed by -R), static and PIE.
    for (const [name, extra] of [
      ['default-static', ['-static', '--build-id=sha1']],
      ['default-pie', ['-pie', '--build-id=md5']],
    ] as const) {
      const elf = join(dir, `${fl.tag}-${name}.elf`);
      execFileSync(LD, [...fl.ld, ...extra, '-e', '_start', '-o', elf, obj]);
      out.push({ name: `${fl.tag} ${name}`, bytes: new Uint8Array(readFileSync(elf)) });
    }
  }
  cached = out;
  return out;
}
