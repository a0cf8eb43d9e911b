/**
 * `nixwrt inspect`: find the parts of a file by their magic numbers (uImage, squashfs, DTB
 * or FIT, ELF, JFFS2 end markers) and describe each with the readers of their own areas.
 * Finding is pure and cheap: every 4-byte-aligned offset is checked, parts are skipped whole.
 */
import { parseDtb } from '../dt/index.js';
import { decodeHeader, describeHeader, readUImage } from '../kernel/index.js';
import { openSquashfs } from '../squashfs/index.js';
import { ImageError } from './errors.js';

export type PartKind = 'uimage' | 'squashfs' | 'dtb' | 'fit' | 'elf' | 'jffs2-eof';

/** What is wrong with a part whose header is sound: `truncated` (its size runs past the end of the file), `bad-checksum`, or `corrupt` (its reader refused it). */
export type PartProblemCode = 'truncated' | 'bad-checksum' | 'corrupt';

export interface FoundPart {
  kind: PartKind;
  offset: number;
  /** Bytes of the file the part covers (for a truncated part: up to the end of the file). */
  size: number;
  problem?: { code: PartProblemCode; message: string };
}

const UIMAGE_MAGIC = 0x27051956;
const FDT_MAGIC = 0xd00dfeed;
const SQUASHFS_MAGIC_LE = 0x73717368; // "hsqs"
const JFFS2_EOF = 0xdeadc0de;
const COMPRESSORS: Record<number, string> = { 1: 'gzip', 2: 'lzma', 3: 'lzo', 4: 'xz', 5: 'lz4', 6: 'zstd' };

/** The size of a plausible part starting at `at`, or undefined. */
function probe(b: Uint8Array, dv: DataView, at: number): FoundPart | undefined {
  const left = b.length - at;
  const be = dv.getUint32(at);
  if (be === UIMAGE_MAGIC && left >= 64) {
    let size: number;
    try {
      // A header whose CRC holds is a uImage, whatever its data turn out to be.
      size = 64 + decodeHeader(b.subarray(at)).size;
    } catch {
      return undefined;
    }
    if (size > left) return { kind: 'uimage', offset: at, size: left, problem: truncated(size, left) };
    try {
      readUImage(b.subarray(at, at + size));
    } catch (err) {
      const code = (err as { code?: string }).code === 'uimage-bad-dcrc' ? 'bad-checksum' : 'corrupt';
      return { kind: 'uimage', offset: at, size, problem: { code, message: (err as Error).message } };
    }
    return { kind: 'uimage', offset: at, size };
  }
  if (be === FDT_MAGIC && left >= 40) {
    const total = dv.getUint32(at + 4);
    const version = dv.getUint32(at + 20);
    if (total < 40 || version < 16 || version > 17) return undefined;
    // A plausible header (sizes within the total) whose total runs past the end: cut short.
    if (total > left) {
      const inside = [8, 12, 16].every((o) => dv.getUint32(at + o) < total);
      return inside ? { kind: 'dtb', offset: at, size: left, problem: truncated(total, left) } : undefined;
    }
    try {
      const tree = parseDtb(b.subarray(at, at + total));
      return { kind: tree.getNode('/images') ? 'fit' : 'dtb', offset: at, size: total };
    } catch {
      return undefined;
    }
  }
  if (dv.getUint32(at, true) === SQUASHFS_MAGIC_LE && left >= 96) {
    const blockSize = dv.getUint32(at + 12, true);
    const major = dv.getUint16(at + 28, true);
    const used = Number(dv.getBigUint64(at + 40, true));
    if (major !== 4 || used < 96 || blockSize < 4096 || blockSize > 1 << 20 || (blockSize & (blockSize - 1)) !== 0) return undefined;
    if (used > left) return { kind: 'squashfs', offset: at, size: left, problem: truncated(used, left) };
    return { kind: 'squashfs', offset: at, size: used };
  }
  if (at === 0 && be === 0x7f454c46) return { kind: 'elf', offset: 0, size: b.length };
  if (be === JFFS2_EOF) return { kind: 'jffs2-eof', offset: at, size: 4 };
  return undefined;
}

function truncated(size: number, left: number): { code: 'truncated'; message: string } {
  return { code: 'truncated', message: `its header says ${size} bytes, the file has ${left} from its start (${size - left} missing)` };
}

export function findParts(input: Uint8Array): FoundPart[] {
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: FoundPart[] = [];
  for (let at = 0; at + 4 <= bytes.length; ) {
    const p = probe(bytes, dv, at);
    if (!p) {
      at += 4;
      continue;
    }
    parts.push(p);
    if (p.kind === 'elf') break;
    at += Math.ceil(p.size / 4) * 4;
  }
  return parts;
}

const hex = (n: number) => `0x${n.toString(16)}`;

async function describePart(bytes: Uint8Array, p: FoundPart): Promise<string[]> {
  const b = bytes.subarray(p.offset, p.offset + p.size);
  if (p.problem) {
    // Only what the header alone tells (mkimage -l prints the header, then its complaint).
    const head = p.kind === 'uimage' ? describeHeader(decodeHeader(b)) : [];
    return [...head, `${p.problem.code.toUpperCase()}: ${p.problem.message}`];
  }
  switch (p.kind) {
    case 'uimage': {
      const img = readUImage(b);
      const lines = describeHeader(img.header);
      const d = img.data;
      if (img.header.comp === 3 && d.length >= 13) {
        const dv = new DataView(d.buffer, d.byteOffset, 13);
        const props = d[0]!;
        const unpacked = dv.getBigUint64(5, true);
        lines.push(
          `LZMA:         lc=${props % 9} lp=${Math.floor(props / 9) % 5} pb=${Math.floor(props / 45)}, dictionary ${dv.getUint32(1, true)} bytes, ` +
            (unpacked === 0xffffffffffffffffn ? 'unpacked size unknown (vendor U-Boot refuses this)' : `unpacked ${unpacked} bytes`),
        );
      }
      return lines;
    }
    case 'squashfs': {
      const fs = await openSquashfs(b);
      try {
        const sb = fs.superblock;
        const root = fs.readDir(fs.root()).map((e) => e.name);
        return [
          `SquashFS ${sb.versionMajor}.${sb.versionMinor}, ${COMPRESSORS[sb.compressionId] ?? `compressor ${sb.compressionId}`}, block ${sb.blockSize} bytes`,
          `Inodes:       ${sb.inodeCount}, fragments ${sb.fragmentCount}, ids ${sb.idCount}`,
          `Created:      ${new Date(sb.modificationTime * 1000).toISOString()}`,
          `Bytes used:   ${sb.bytesUsed}`,
          `Root:         ${root.join(' ')}`,
        ];
      } finally {
        fs.close();
      }
    }
    case 'dtb':
    case 'fit': {
      const tree = parseDtb(b);
      const str = (path: string, name: string) => {
        const v = tree.getProperty(path, name);
        return v ? Buffer.from(v).toString('latin1').split('\0').filter(Boolean).join(', ') : undefined;
      };
      const lines = [`Device tree blob, ${p.size} bytes`];
      const model = str('/', 'model');
      if (model) lines.push(`Model:        ${model}`);
      const compat = str('/', 'compatible');
      if (compat) lines.push(`Compatible:   ${compat}`);
      const args = str('/chosen', 'bootargs');
      if (args !== undefined) lines.push(`Bootargs:     ${args}`);
      const images = tree.getNode('/images');
      if (images) lines.push(`FIT images:   ${images.liveChildren().map((c: { name: string }) => c.name).join(', ')}`);
      return lines;
    }
    case 'elf':
      return [`ELF ${b[4] === 2 ? '64' : '32'}-bit ${b[5] === 1 ? 'little' : 'big'}-endian, machine ${new DataView(b.buffer, b.byteOffset).getUint16(18, b[5] === 1)}`];
    case 'jffs2-eof':
      return ['JFFS2 end-of-filesystem marker (the kernel makes the rest of the partition an overlay)'];
  }
}

export interface Inspection {
  file: string;
  size: number;
  parts: Array<FoundPart & { lines: string[] }>;
}

/** Each part found, where, how big, what it says; a part its reader refuses gets a problem. */
export async function inspect(input: Uint8Array, name: string): Promise<Inspection> {
  // A plain view: Buffer#slice shares memory, and readers that copy with slice() must not write through.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const parts: Inspection['parts'] = [];
  for (const found of findParts(bytes)) {
    let p = found;
    let lines: string[];
    try {
      lines = await describePart(bytes, p);
    } catch (err) {
      // A sound header over a body its reader refuses (e.g. squashfs tables that do not parse).
      p = { ...p, problem: { code: 'corrupt', message: (err as Error).message } };
      lines = await describePart(bytes, p);
    }
    parts.push({ ...p, lines });
  }
  return { file: name, size: bytes.length, parts };
}

/** An inspection as text, as `nixwrt inspect` prints it. */
export function formatInspection(r: Inspection): string {
  if (r.parts.length === 0) return `${r.file}: ${r.size} bytes, no uImage, FIT, squashfs, DTB or ELF found\n`;
  const out = [`${r.file}: ${r.size} bytes, ${r.parts.length} part${r.parts.length === 1 ? '' : 's'}`];
  for (const p of r.parts) {
    out.push('', `${p.kind} at ${hex(p.offset)} (${p.offset}), ${p.size} bytes${p.problem ? ` (${p.problem.code})` : ''}`);
    for (const l of p.lines) out.push(`  ${l}`);
  }
  return `${out.join('\n')}\n`;
}

/** A human-readable explanation of a file (see inspect()). */
export async function inspectBytes(input: Uint8Array, name: string): Promise<string> {
  return formatInspection(await inspect(input, name));
}

/**
 * The error `nixwrt inspect` exits with: nothing identified ('unknown-format'), or the first
 * part with a problem ('truncated', 'bad-checksum', 'corrupt-part'); undefined when all is well.
 */
export function inspectionError(r: Inspection): ImageError | undefined {
  if (r.parts.length === 0) return new ImageError('unknown-format', `${r.file}: no uImage, FIT, squashfs, DTB or ELF found in its ${r.size} bytes`);
  const bad = r.parts.find((p) => p.problem);
  if (!bad?.problem) return undefined;
  const code = bad.problem.code === 'corrupt' ? 'corrupt-part' : bad.problem.code;
  return new ImageError(code, `${r.file}: ${bad.kind} at ${hex(bad.offset)}: ${bad.problem.message}`);
}
