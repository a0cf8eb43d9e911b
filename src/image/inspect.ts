/**
 * `nixwrt inspect`: find the parts of a file by their magic numbers (uImage, squashfs, DTB
 * or FIT, ELF, JFFS2 end markers) and describe each with the readers of their own areas.
 * Finding is pure and cheap: every 4-byte-aligned offset is checked, parts are skipped whole.
 */
import { parseDtb } from '../dt/index.js';
import { describeHeader, readUImage } from '../kernel/index.js';
import { openSquashfs } from '../squashfs/index.js';

export type PartKind = 'uimage' | 'squashfs' | 'dtb' | 'fit' | 'elf' | 'jffs2-eof';

export interface FoundPart {
  kind: PartKind;
  offset: number;
  size: number;
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
    try {
      const img = readUImage(b.subarray(at));
      return { kind: 'uimage', offset: at, size: 64 + img.header.size };
    } catch {
      return undefined;
    }
  }
  if (be === FDT_MAGIC && left >= 40) {
    const total = dv.getUint32(at + 4);
    const version = dv.getUint32(at + 20);
    if (total < 40 || total > left || version < 16 || version > 17) return undefined;
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
    if (major !== 4 || used < 96 || used > left || blockSize < 4096 || blockSize > 1 << 20 || (blockSize & (blockSize - 1)) !== 0) return undefined;
    return { kind: 'squashfs', offset: at, size: used };
  }
  if (at === 0 && be === 0x7f454c46) return { kind: 'elf', offset: 0, size: b.length };
  if (be === JFFS2_EOF) return { kind: 'jffs2-eof', offset: at, size: 4 };
  return undefined;
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

/** A human-readable explanation of a file: each part found, where, how big, what it says. */
export async function inspectBytes(input: Uint8Array, name: string): Promise<string> {
  // A plain view: Buffer#slice shares memory, and readers that copy with slice() must not write through.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const parts = findParts(bytes);
  if (parts.length === 0) return `${name}: ${bytes.length} bytes, no uImage, FIT, squashfs, DTB or ELF found\n`;
  const out = [`${name}: ${bytes.length} bytes, ${parts.length} part${parts.length === 1 ? '' : 's'}`];
  for (const p of parts) {
    out.push('', `${p.kind} at ${hex(p.offset)} (${p.offset}), ${p.size} bytes`);
    for (const l of await describePart(bytes, p)) out.push(`  ${l}`);
  }
  return `${out.join('\n')}\n`;
}
