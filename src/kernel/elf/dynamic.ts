/**
 * The dynamic table as the loader sees it (through PT_DYNAMIC, not the section headers), and
 * the MIPS check that DT_MIPS_RLD_MAP_REL points where ld.so will write its r_debug pointer.
 *
 * glibc's MIPS ld.so takes the address of the DT_MIPS_RLD_MAP_REL entry in the mapped dynamic
 * table, adds the entry's value and stores a pointer there. The linker aims it at .rld_map; a
 * tool that moves the dynamic table without rewriting the value (patchelf 0.14 when it
 * lengthens the interpreter) makes ld.so overwrite some other word of the program.
 */
import { PF_W, PT_DYNAMIC, PT_LOAD, type ElfFile, type SectionHeader } from './types.js';

export const DT_NULL = 0;
export const DT_MIPS_RLD_MAP = 0x70000016;
export const DT_MIPS_RLD_MAP_REL = 0x70000035;

export interface DynamicEntry {
  /** d_tag, as an unsigned number (processor tags are above 0x70000000). */
  tag: number;
  /** d_val / d_ptr as stored. */
  value: bigint;
  /** Virtual address of the entry itself (PT_DYNAMIC's p_vaddr + index * entry size). */
  addr: bigint;
}

/** Entries of PT_DYNAMIC up to DT_NULL; [] when the file has no PT_DYNAMIC. */
export function dynamicEntries(elf: ElfFile): DynamicEntry[] {
  const seg = elf.programHeaders.find((p) => p.type === PT_DYNAMIC);
  if (!seg) return [];
  const is64 = elf.header.class === 64;
  const size = is64 ? 16 : 8;
  const view = new DataView(elf.bytes.buffer, elf.bytes.byteOffset, elf.bytes.byteLength);
  const le = elf.header.littleEndian;
  // Entries the segment holds in the file (a truncated file holds fewer).
  const end = Math.min(Number(seg.offset + seg.filesz), elf.bytes.length);
  const out: DynamicEntry[] = [];
  const vaddr = BigInt.asUintN(is64 ? 64 : 32, seg.vaddr);
  for (let at = Number(seg.offset), i = 0; at + size <= end; at += size, i++) {
    const tag = is64 ? Number(BigInt.asUintN(32, view.getBigInt64(at, le))) : view.getUint32(at, le);
    if (tag === DT_NULL) break;
    const value = is64 ? view.getBigUint64(at + 8, le) : BigInt(view.getUint32(at + 4, le));
    out.push({ tag, value, addr: vaddr + BigInt(i * size) });
  }
  return out;
}

export interface RldMapCheck {
  /** Address of the DT_MIPS_RLD_MAP_REL entry. */
  entryAddr: bigint;
  /** Its stored offset. */
  value: bigint;
  /** Where ld.so will write: entry address + offset, modulo the address size. */
  target: bigint;
  /** .rld_map's address, when the file has section headers naming it. */
  rldMap: bigint | undefined;
  /** The target is 4 (ELF32) or 8 bytes inside a writable PT_LOAD. */
  inWritableSegment: boolean;
  /** target === rldMap (or, without .rld_map, the target is at least writable). */
  ok: boolean;
}

/** The DT_MIPS_RLD_MAP_REL check, or undefined when the file has no such entry. */
export function checkMipsRldMapRel(elf: ElfFile): RldMapCheck | undefined {
  const e = dynamicEntries(elf).find((d) => d.tag === DT_MIPS_RLD_MAP_REL);
  if (!e) return undefined;
  const bits = elf.header.class === 64 ? 64 : 32;
  const word = BigInt(bits / 8);
  const target = BigInt.asUintN(bits, e.addr + e.value);
  const sh: SectionHeader | undefined = elf.sectionHeaders.find((s) => s.name === '.rld_map');
  const rldMap = sh === undefined ? undefined : BigInt.asUintN(bits, sh.addr);
  const inWritableSegment = elf.programHeaders.some((p) => {
    if (p.type !== PT_LOAD || (p.flags & PF_W) === 0) return false;
    const start = BigInt.asUintN(bits, p.vaddr);
    return target >= start && target + word <= start + p.memsz;
  });
  const ok = inWritableSegment && (rldMap === undefined || rldMap === target);
  return { entryAddr: e.addr, value: e.value, target, rldMap, inWritableSegment, ok };
}
