/** DTB writer giving dtc 1.6.1's exact bytes (dt_to_blob): header, rsvmap, structure, strings. */
import { DtNode, DeviceTree } from '../tree.js';
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER_SIZE,
  FDT_LAST_COMP_VERSION,
  FDT_MAGIC,
  FDT_PROP,
  FDT_RESERVE_ENTRY_SIZE,
  FDT_VERSION,
  HEADER_FIELDS,
  type FdtHeader,
} from './format.js';

/** Growable big-endian byte buffer. */
class ByteSink {
  buf = new Uint8Array(4096);
  len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }
  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const o = this.len;
    b[o] = v >>> 24;
    b[o + 1] = (v >>> 16) & 0xff;
    b[o + 2] = (v >>> 8) & 0xff;
    b[o + 3] = v & 0xff;
    this.len += 4;
  }
  bytes(d: Uint8Array): void {
    this.ensure(d.length);
    this.buf.set(d, this.len);
    this.len += d.length;
  }
  align4(): void {
    const pad = (4 - (this.len & 3)) & 3;
    this.ensure(pad);
    this.buf.fill(0, this.len, this.len + pad);
    this.len += pad;
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/**
 * The strings block: a new name reuses the first place where it already occurs as the tail
 * of a stored string (dtc's stringtable_insert), else is appended.
 */
export class StringTable {
  private text = '';
  private cache = new Map<string, number>();
  insert(name: string): number {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit;
    let off = this.text.indexOf(name + '\0');
    if (off < 0) {
      off = this.text.length;
      this.text += name + '\0';
    }
    this.cache.set(name, off);
    return off;
  }
  bytes(): Uint8Array {
    return new TextEncoder().encode(this.text);
  }
}

const utf8 = new TextEncoder();

/** Pre-order with an explicit stack (any depth); `null` on the stack closes a node. */
function flattenTree(root: DtNode, out: ByteSink, strings: StringTable): void {
  const stack: (DtNode | null)[] = [root];
  while (stack.length > 0) {
    const n = stack.pop();
    if (n === null) {
      out.u32(FDT_END_NODE);
      continue;
    }
    if (!n || n.deleted) continue;
    flattenNode(n, out, strings);
    stack.push(null);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
}

/** BEGIN_NODE and the properties of one node. */
function flattenNode(node: DtNode, out: ByteSink, strings: StringTable): void {
  out.u32(FDT_BEGIN_NODE);
  out.bytes(utf8.encode(node.name));
  out.bytes(new Uint8Array(1));
  out.align4();
  for (const p of node.props) {
    if (p.deleted) continue;
    const nameoff = strings.insert(p.name);
    out.u32(FDT_PROP);
    out.u32(p.value.length);
    out.u32(nameoff);
    out.bytes(p.value);
    out.align4();
  }
}

export interface DtbOptions {
  /** Overrides tree.bootCpuid (dtc -b). */
  bootCpuid?: number;
}

/** Serialize a (fixed-up) tree to DTB v17 bytes. */
export function writeDtb(tree: DeviceTree, opts: DtbOptions = {}): Uint8Array {
  const struct = new ByteSink();
  const strings = new StringTable();
  flattenTree(tree.root, struct, strings);
  struct.u32(FDT_END);
  const dtStruct = struct.result();
  const dtStrings = strings.bytes();

  const rsvSize = (tree.memreserve.length + 1) * FDT_RESERVE_ENTRY_SIZE;
  const offRsv = FDT_HEADER_SIZE; // already 8-aligned
  const offStruct = offRsv + rsvSize;
  const offStrings = offStruct + dtStruct.length;
  const total = offStrings + dtStrings.length;
  const hdr: FdtHeader = {
    magic: FDT_MAGIC,
    totalsize: total,
    offDtStruct: offStruct,
    offDtStrings: offStrings,
    offMemRsvmap: offRsv,
    version: FDT_VERSION,
    lastCompVersion: FDT_LAST_COMP_VERSION,
    bootCpuidPhys: (opts.bootCpuid ?? tree.bootCpuid) >>> 0,
    sizeDtStrings: dtStrings.length,
    sizeDtStruct: dtStruct.length,
  };
  const blob = new Uint8Array(total);
  const dv = new DataView(blob.buffer);
  HEADER_FIELDS.forEach((f, i) => dv.setUint32(i * 4, hdr[f]));
  tree.memreserve.forEach((r, i) => {
    dv.setBigUint64(offRsv + i * 16, r.address);
    dv.setBigUint64(offRsv + i * 16 + 8, r.size);
  });
  blob.set(dtStruct, offStruct);
  blob.set(dtStrings, offStrings);
  return blob;
}
