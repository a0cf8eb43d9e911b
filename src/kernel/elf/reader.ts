/**
 * ELF reader: the file header, program headers and section headers of 32- and 64-bit files
 * in either byte order. Every offset and count is checked against the file before use.
 */
import { ElfError } from './errors.js';
import {
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  EM_MIPS,
  type ElfFile,
  type ElfHeader,
  type ProgramHeader,
  type SectionHeader,
} from './types.js';

const SHN_XINDEX = 0xffff;
/** More headers than any real file has; guards against a corrupt count allocating gigabytes. */
const MAX_HEADERS = 1 << 20;

/** Field access in one byte order and width; `addr` sign-extends where BFD does. */
class Fields {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly le: boolean,
    readonly is64: boolean,
    private readonly signExtend: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(o: number): number {
    return this.view.getUint16(o, this.le);
  }
  u32(o: number): number {
    return this.view.getUint32(o, this.le);
  }
  u64(o: number): bigint {
    return this.view.getBigUint64(o, this.le);
  }
  /** A word: 4 bytes in ELF32, 8 in ELF64. */
  word(o: number): bigint {
    return this.is64 ? this.u64(o) : BigInt(this.u32(o));
  }
  /** An address: like `word`, but 32-bit MIPS addresses are sign-extended to 64 bits (BFD's sign_extend_vma). */
  addr(o: number): bigint {
    if (this.is64) return this.u64(o);
    const v = BigInt(this.u32(o));
    return this.signExtend ? BigInt.asUintN(64, BigInt.asIntN(32, v)) : v;
  }
}

function need(file: Uint8Array, offset: bigint, size: bigint, what: string): number {
  if (offset < 0n || size < 0n || offset + size > BigInt(file.length)) {
    throw new ElfError(
      'elf-truncated',
      `${what} at offset ${offset} (${size} bytes) lies beyond the end of the ${file.length}-byte file`,
    );
  }
  return Number(offset);
}

export function readElf(bytes: Uint8Array): ElfFile {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('elf-not-elf', 'not an ELF file (no \\x7fELF magic at offset 0)');
  }
  if (bytes.length < 16) throw new ElfError('elf-truncated', `ELF identification truncated (${bytes.length} bytes)`);
  const cls = bytes[4];
  const data = bytes[5];
  if (cls !== ELFCLASS32 && cls !== ELFCLASS64) throw new ElfError('elf-bad-ident', `unknown ELF class ${cls}`);
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) throw new ElfError('elf-bad-ident', `unknown ELF data encoding ${data}`);
  if (bytes[6] !== 1) throw new ElfError('elf-bad-ident', `unknown ELF version ${bytes[6]}`);
  const is64 = cls === ELFCLASS64;
  const ehsize = is64 ? 64 : 52;
  if (bytes.length < ehsize) throw new ElfError('elf-truncated', `ELF header truncated (${bytes.length} of ${ehsize} bytes)`);
  const le = data === ELFDATA2LSB;
  const probe = new Fields(bytes, le, is64, false);
  const machine = probe.u16(18);
  const f = new Fields(bytes, le, is64, !is64 && machine === EM_MIPS);

  const o = is64 ? { entry: 24, phoff: 32, shoff: 40, flags: 48, rest: 52 } : { entry: 24, phoff: 28, shoff: 32, flags: 36, rest: 40 };
  const phentsize = f.u16(o.rest + 2);
  let phnum = f.u16(o.rest + 4);
  const shentsize = f.u16(o.rest + 6);
  let shnum = f.u16(o.rest + 8);
  let shstrndx = f.u16(o.rest + 10);
  const header: ElfHeader = {
    class: is64 ? 64 : 32,
    littleEndian: le,
    osabi: bytes[7]!,
    type: f.u16(16),
    machine,
    flags: f.u32(o.flags),
    entry: f.addr(o.entry),
    phoff: f.word(o.phoff),
    shoff: f.word(o.shoff),
    shstrndx,
  };
  const phSize = is64 ? 56 : 32;
  const shSize = is64 ? 64 : 40;
  if (phnum > 0 && phentsize !== phSize) {
    throw new ElfError('elf-bad-header', `program header entry size ${phentsize}, expected ${phSize}`);
  }
  if (header.shoff !== 0n && shentsize !== shSize) {
    throw new ElfError('elf-bad-header', `section header entry size ${shentsize}, expected ${shSize}`);
  }

  // Extended numbering: counts that do not fit 16 bits live in section header 0.
  if (header.shoff !== 0n && (shnum === 0 || shstrndx === SHN_XINDEX)) {
    const at = need(bytes, header.shoff, BigInt(shSize), 'section header 0');
    if (shnum === 0) {
      const n = f.word(at + (is64 ? 32 : 20));
      if (n > BigInt(MAX_HEADERS)) throw new ElfError('elf-bad-header', `absurd section count ${n}`);
      shnum = Number(n);
    }
    if (shstrndx === SHN_XINDEX) shstrndx = f.u32(at + (is64 ? 40 : 24));
    header.shstrndx = shstrndx;
  }
  if (phnum === 0xffff && header.shoff !== 0n) {
    const at = need(bytes, header.shoff, BigInt(shSize), 'section header 0');
    phnum = f.u32(at + (is64 ? 44 : 28));
    if (phnum > MAX_HEADERS) throw new ElfError('elf-bad-header', `absurd program header count ${phnum}`);
  }

  const programHeaders: ProgramHeader[] = [];
  if (phnum > 0) {
    const base = need(bytes, header.phoff, BigInt(phnum * phSize), `program header table (${phnum} entries)`);
    for (let i = 0; i < phnum; i++) {
      const p = base + i * phSize;
      programHeaders.push(
        is64
          ? {
              type: f.u32(p),
              flags: f.u32(p + 4),
              offset: f.u64(p + 8),
              vaddr: f.addr(p + 16),
              paddr: f.addr(p + 24),
              filesz: f.u64(p + 32),
              memsz: f.u64(p + 40),
              align: f.u64(p + 48),
            }
          : {
              type: f.u32(p),
              offset: f.word(p + 4),
              vaddr: f.addr(p + 8),
              paddr: f.addr(p + 12),
              filesz: f.word(p + 16),
              memsz: f.word(p + 20),
              flags: f.u32(p + 24),
              align: f.word(p + 28),
            },
      );
    }
  }

  const sectionHeaders: SectionHeader[] = [];
  if (header.shoff !== 0n && shnum > 0) {
    const base = need(bytes, header.shoff, BigInt(shnum) * BigInt(shSize), `section header table (${shnum} entries)`);
    const nameOffsets: number[] = [];
    for (let i = 0; i < shnum; i++) {
      const s = base + i * shSize;
      nameOffsets.push(f.u32(s));
      sectionHeaders.push(
        is64
          ? {
              index: i,
              name: '',
              type: f.u32(s + 4),
              flags: f.u64(s + 8),
              addr: f.addr(s + 16),
              offset: f.u64(s + 24),
              size: f.u64(s + 32),
              link: f.u32(s + 40),
              info: f.u32(s + 44),
              addralign: f.u64(s + 48),
              entsize: f.u64(s + 56),
            }
          : {
              index: i,
              name: '',
              type: f.u32(s + 4),
              flags: f.word(s + 8),
              addr: f.addr(s + 12),
              offset: f.word(s + 16),
              size: f.word(s + 20),
              link: f.u32(s + 24),
              info: f.u32(s + 28),
              addralign: f.word(s + 32),
              entsize: f.word(s + 36),
            },
      );
    }
    const strtab = sectionHeaders[shstrndx];
    if (shstrndx !== 0 && strtab) {
      const start = need(bytes, strtab.offset, strtab.size, 'section name table');
      const end = start + Number(strtab.size);
      sectionHeaders.forEach((sh, i) => {
        const at = start + nameOffsets[i]!;
        if (at >= end) return; // BFD names such a section "" too; it can still be copied
        let z = at;
        while (z < end && bytes[z] !== 0) z++;
        sh.name = new TextDecoder('latin1').decode(bytes.subarray(at, z));
      });
    }
  }
  return { header, programHeaders, sectionHeaders, bytes };
}

/** The bytes of a section (not for SHT_NOBITS). */
export function sectionBytes(elf: ElfFile, sh: SectionHeader): Uint8Array {
  const at = need(elf.bytes, sh.offset, sh.size, `section ${sh.index} (${sh.name || 'unnamed'})`);
  return elf.bytes.subarray(at, at + Number(sh.size));
}
