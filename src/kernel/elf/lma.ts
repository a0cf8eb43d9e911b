/**
 * Which segment holds a section, and the load address (LMA) BFD gives each section.
 * This mirrors binutils' ELF_SECTION_IN_SEGMENT (check_vma on, strict off) and the LMA
 * rule of _bfd_elf_make_section_from_shdr, in 64-bit wrapping arithmetic as bfd_vma is.
 */
import {
  PT_DYNAMIC,
  PT_GNU_EH_FRAME,
  PT_GNU_MBIND_HI,
  PT_GNU_MBIND_LO,
  PT_GNU_RELRO,
  PT_GNU_SFRAME,
  PT_GNU_STACK,
  PT_LOAD,
  PT_NOTE,
  PT_PHDR,
  PT_TLS,
  SHF_ALLOC,
  SHF_TLS,
  SHT_NOBITS,
  type ElfFile,
  type ProgramHeader,
  type SectionHeader,
} from './types.js';

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** .tbss takes no room in segments other than PT_TLS. */
function sizeIn(sh: SectionHeader, seg: ProgramHeader): bigint {
  const tbss = (sh.flags & SHF_TLS) !== 0n && sh.type === SHT_NOBITS && seg.type !== PT_TLS;
  return tbss ? 0n : sh.size;
}

export function sectionInSegment(sh: SectionHeader, seg: ProgramHeader): boolean {
  const tls = (sh.flags & SHF_TLS) !== 0n;
  const alloc = (sh.flags & SHF_ALLOC) !== 0n;
  const t = seg.type;
  const typeOk = tls ? t === PT_TLS || t === PT_GNU_RELRO || t === PT_LOAD : t !== PT_TLS && t !== PT_PHDR;
  if (!typeOk) return false;
  const allocOnly =
    t === PT_LOAD ||
    t === PT_DYNAMIC ||
    t === PT_GNU_EH_FRAME ||
    t === PT_GNU_STACK ||
    t === PT_GNU_RELRO ||
    t === PT_GNU_SFRAME ||
    (t >= PT_GNU_MBIND_LO && t <= PT_GNU_MBIND_HI);
  if (!alloc && allocOnly) return false;
  const size = sizeIn(sh, seg);
  if (sh.type !== SHT_NOBITS) {
    if (sh.offset < seg.offset) return false;
    if (u64(sh.offset - seg.offset + size) > seg.filesz) return false;
  }
  if (alloc) {
    if (sh.addr < seg.vaddr) return false;
    if (u64(sh.addr - seg.vaddr + size) > seg.memsz) return false;
  }
  if ((t === PT_DYNAMIC || t === PT_NOTE) && sh.size === 0n && seg.memsz !== 0n) {
    const fileInside =
      sh.type === SHT_NOBITS || (sh.offset > seg.offset && u64(sh.offset - seg.offset) < seg.filesz);
    const memInside = !alloc || (sh.addr > seg.vaddr && u64(sh.addr - seg.vaddr) < seg.memsz);
    if (!(fileInside && memInside)) return false;
  }
  return true;
}

/** The LMA BFD assigns to an allocated section; non-allocated sections keep their VMA. */
export function sectionLma(elf: ElfFile, sh: SectionHeader): bigint {
  let lma = sh.addr;
  if ((sh.flags & SHF_ALLOC) === 0n) return lma;
  const phdrs = elf.programHeaders;
  // Linkers that leave every p_paddr zero: with several PT_LOADs, keep LMA = VMA.
  let nload = 0;
  let anyPaddr = false;
  for (const p of phdrs) {
    if (p.paddr !== 0n) {
      anyPaddr = true;
      break;
    }
    if (p.type === PT_LOAD && p.memsz !== 0n) nload++;
  }
  if (!anyPaddr && nload > 1) return lma;
  const loaded = sh.type !== SHT_NOBITS;
  const tls = (sh.flags & SHF_TLS) !== 0n;
  for (const p of phdrs) {
    if (!((p.type === PT_LOAD && !tls) || p.type === PT_TLS) || !sectionInSegment(sh, p)) continue;
    // Loaded sections are placed by file offset within the segment, others by VMA.
    lma = loaded ? u64(p.paddr + sh.offset - p.offset) : u64(p.paddr + sh.addr - p.vaddr);
    // A zero-size section on a boundary belongs to the segment whose VMAs cover it.
    if (sh.addr >= p.vaddr && u64(sh.addr + sh.size) <= u64(p.vaddr + p.memsz)) break;
  }
  return lma;
}
