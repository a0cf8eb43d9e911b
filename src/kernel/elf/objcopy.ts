/**
 * The equivalent of `objcopy -O binary -R ... -S`: the loadable sections laid out by LMA,
 * starting at the lowest one, gaps filled with zeros. Rules as binutils' binary backend:
 * a section is written when it is allocated, loaded (not NOBITS) and not empty; it lands at
 * (its LMA - lowest such LMA); later sections in header order overwrite earlier ones.
 */
import { ElfError } from './errors.js';
import { readElf, sectionBytes } from './reader.js';
import { sectionLma } from './lma.js';
import { EM_MIPS, PT_LOAD, SHF_ALLOC, SHT_GROUP, SHT_MIPS_DEBUG, SHT_NOBITS, SHT_NULL, type ElfFile } from './types.js';

/** What NixWRT and OpenWrt pass to objcopy with -R. */
export const KERNEL_REMOVED_SECTIONS: readonly string[] = [
  '.reginfo',
  '.notes',
  '.note',
  '.comment',
  '.mdebug',
  '.note.gnu.build-id',
];

export interface RawSection {
  name: string;
  index: number;
  lma: bigint;
  size: number;
  /** Offset in the raw image. */
  at: number;
}

export interface RawImage {
  data: Uint8Array;
  /** LMA of the first byte of `data` (objcopy's start address). */
  start: bigint;
  /** e_entry. */
  entry: bigint;
  sections: RawSection[];
}

export interface ObjcopyOptions {
  /** Section names to drop (objcopy -R); default KERNEL_REMOVED_SECTIONS. */
  remove?: readonly string[];
  /** Refuse to build a larger image (a far-off LMA would make a huge file). Default 256 MiB. */
  maxSize?: number;
}

export function elfToRaw(input: Uint8Array | ElfFile, opts: ObjcopyOptions = {}): RawImage {
  const elf = input instanceof Uint8Array ? readElf(input) : input;
  const remove = new Set(opts.remove ?? KERNEL_REMOVED_SECTIONS);
  const maxSize = BigInt(opts.maxSize ?? 256 * 1024 * 1024);
  if (elf.sectionHeaders.length === 0) {
    throw new ElfError('elf-no-sections', 'the ELF file has no section headers, so there is nothing to copy');
  }
  checkLoadSegments(elf);
  const chosen: Array<{ index: number; name: string; lma: bigint; size: bigint }> = [];
  for (const sh of elf.sectionHeaders) {
    if (sh.index === 0 || sh.type === SHT_NULL || sh.type === SHT_GROUP) continue;
    if (remove.has(sh.name)) continue;
    // -S drops debugging sections; the only allocated kind BFD marks so is MIPS .mdebug.
    if (elf.header.machine === EM_MIPS && sh.type === SHT_MIPS_DEBUG && sh.name === '.mdebug') continue;
    if ((sh.flags & SHF_ALLOC) === 0n || sh.type === SHT_NOBITS || sh.size === 0n) continue;
    chosen.push({ index: sh.index, name: sh.name, lma: sectionLma(elf, sh), size: sh.size });
  }
  if (chosen.length === 0) {
    return { data: new Uint8Array(0), start: 0n, entry: elf.header.entry, sections: [] };
  }
  let low = chosen[0]!.lma;
  for (const s of chosen) if (s.lma < low) low = s.lma;
  let end = 0n;
  for (const s of chosen) {
    const e = s.lma - low + s.size;
    if (e > end) end = e;
  }
  if (end > maxSize) {
    throw new ElfError(
      'elf-absurd-size',
      `the raw image would be ${end} bytes (sections from LMA 0x${low.toString(16)} spread too far; limit ${maxSize})`,
    );
  }
  const data = new Uint8Array(Number(end));
  const sections: RawSection[] = [];
  for (const s of chosen) {
    const sh = elf.sectionHeaders[s.index]!;
    const at = Number(s.lma - low);
    data.set(sectionBytes(elf, sh), at);
    sections.push({ name: s.name, index: s.index, lma: s.lma, size: Number(s.size), at });
  }
  return { data, start: low, entry: elf.header.entry, sections };
}

/**
 * objcopy copies sections, not segments, so it would pass a corrupt PT_LOAD silently; a kernel
 * whose loader view is broken should not reach a router, so refuse it.
 */
function checkLoadSegments(elf: ElfFile): void {
  const size = BigInt(elf.bytes.length);
  elf.programHeaders.forEach((p, i) => {
    if (p.type !== PT_LOAD) return;
    if (p.offset + p.filesz > size) {
      throw new ElfError('elf-truncated', `PT_LOAD ${i} (offset ${p.offset}, ${p.filesz} bytes) reaches past the end of the ${size}-byte file`);
    }
    if (p.filesz > p.memsz) {
      throw new ElfError('elf-bad-header', `PT_LOAD ${i} has more file bytes (${p.filesz}) than memory bytes (${p.memsz})`);
    }
  });
}
