/**
 * The xattr tables (squashfs_fs.h: squashfs_xattr_entry/val/id/table), laid out as mksquashfs
 * lays them out so images stay byte-identical:
 *   key/value metadata blocks | id metadata blocks (16 bytes per distinct list) |
 *   header (u64 start of the key/value blocks, u32 id count, u32 0) | u64 index of the id blocks
 * Each inode with xattrs carries the index of its list. A list equal to an earlier one (same
 * names, values and order) reuses its id. Names carry a prefix type (user. 0, trusted. 1,
 * security. 2) and are stored without the prefix; other prefixes are left out, as mksquashfs
 * leaves them. Values longer than 128 bytes (shorter still when a list would pass 64 KiB) go
 * out of line, and a value of 8 bytes or more seen before is stored once and referenced.
 */
import { INVALID_XATTR } from './format.js';
import type { CompressorSettings } from './compressor.js';
import { encodeLookupTable, MetadataWriter } from './metadata.js';
import type { MetadataCache } from './options.js';
import { bytesOf } from '../util/byte-string.js';

/** Full names (byte strings, src/util/byte-string.ts) and values. */
export type Xattrs = ReadonlyArray<readonly [name: string, value: Uint8Array]>;

export const XATTR_PREFIXES: ReadonlyArray<readonly [string, number]> = [
  ['user.', 0],
  ['trusted.', 1],
  ['security.', 2],
];
const VALUE_OOL = 0x100;
const INLINE_MAX = 128;
const TARGET_MAX = 65536;
/** An out-of-line value's reference: a u64. Shorter values are never shared. */
const OOL_SIZE = 8;
const INVALID_REF = -1n;

interface Item {
  type: number;
  fullName: string;
  name: Uint8Array;
  value: Uint8Array;
  /** Where this value's squashfs_xattr_val was written (or copied from), once known. */
  ref: bigint;
}

const u16 = (n: number) => new Uint8Array([n & 0xff, n >>> 8]);
const u32 = (n: number) => new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]);
const u64 = (n: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
};

const prefixLength = (type: number) => XATTR_PREFIXES.find(([, t]) => t === (type & 0xff))![0].length;

export class XattrTable {
  private readonly kv: MetadataWriter;
  private readonly ids: Array<{ ref: bigint; count: number; size: number }> = [];
  private readonly idOfList = new Map<string, number>();
  /** First item holding each value of OOL_SIZE bytes or more (its ref is filled in when written). */
  private readonly firstWithValue = new Map<string, Item>();

  constructor(
    private readonly comp: CompressorSettings,
    private readonly raw: boolean,
    private readonly cache?: MetadataCache,
  ) {
    this.kv = new MetadataWriter(comp, raw, cache);
  }

  get count(): number {
    return this.ids.length;
  }

  /** The id of an inode's xattr list, written on first use; INVALID_XATTR when it has none. */
  id(xattrs: Xattrs | undefined): number {
    // Called for every inode; most have none.
    if (!xattrs || xattrs.length === 0) return INVALID_XATTR;
    const items: Item[] = [];
    for (const [fullName, value] of xattrs) {
      const prefix = XATTR_PREFIXES.find(([p]) => fullName.startsWith(p));
      if (!prefix) continue;
      items.push({ type: prefix[1], fullName, name: bytesOf(fullName.slice(prefix[0].length)), value, ref: INVALID_REF });
    }
    if (items.length === 0) return INVALID_XATTR;
    const key = JSON.stringify(items.map((x) => [x.fullName, Buffer.from(x.value).toString('base64')]));
    const known = this.idOfList.get(key);
    if (known !== undefined) return known;

    // Out of line: values over the inline limit, halving it while the list passes the target.
    for (let max = INLINE_MAX; ; ) {
      let total = 0;
      for (const x of items) {
        x.type &= 0xff;
        if (x.value.length > max) x.type |= VALUE_OOL;
        total += 8 + x.name.length + (x.type & VALUE_OOL ? OOL_SIZE : x.value.length);
      }
      if (total <= TARGET_MAX || max === OOL_SIZE) break;
      max = Math.max(OOL_SIZE, Math.floor(max / 2));
    }
    // A value seen before (of OOL_SIZE bytes or more) is referenced where it was written, as far
    // as that is known now; the first holder of a value is what later lists find.
    for (const x of items) {
      if (x.value.length < OOL_SIZE) continue;
      const vkey = Buffer.from(x.value).toString('latin1');
      const first = this.firstWithValue.get(vkey);
      if (!first) {
        this.firstWithValue.set(vkey, x);
      } else {
        x.type |= VALUE_OOL;
        x.ref = first.ref;
      }
    }
    for (const x of items) {
      if (x.type & VALUE_OOL && x.ref === INVALID_REF) x.ref = this.put(u32(x.value.length), x.value);
    }
    const start = this.where();
    for (const x of items) {
      this.kv.append(u16(x.type));
      this.kv.append(u16(x.name.length));
      this.kv.append(x.name);
      if (x.type & VALUE_OOL) {
        this.kv.append(u32(OOL_SIZE));
        this.kv.append(u64(x.ref));
      } else {
        x.ref = this.put(u32(x.value.length), x.value);
      }
    }
    const size = items.reduce((n, x) => n + x.name.length + prefixLength(x.type) + 1 + x.value.length, 0);
    const id = this.ids.length;
    this.ids.push({ ref: start, count: items.length, size });
    this.idOfList.set(key, id);
    return id;
  }

  private where(): bigint {
    const p = this.kv.position();
    return (BigInt(p.block) << 16n) | BigInt(p.offset);
  }

  private put(...parts: Uint8Array[]): bigint {
    const at = this.where();
    for (const p of parts) this.kv.append(p);
    return at;
  }

  /** The tables, to be written at absolute offset `at`; `headerStart` goes into the superblock. */
  encode(at: number): { parts: Uint8Array[]; headerStart: number } {
    const kv = this.kv.finish();
    let pos = at + kv.reduce((n, b) => n + b.length, 0);
    const idBytes = new Uint8Array(this.ids.length * 16);
    const dv = new DataView(idBytes.buffer);
    this.ids.forEach((e, i) => {
      dv.setBigUint64(i * 16, e.ref, true);
      dv.setUint32(i * 16 + 8, e.count, true);
      dv.setUint32(i * 16 + 12, e.size, true);
    });
    // The id blocks, then the header, then the index of the id blocks.
    const table = encodeLookupTable(idBytes, pos, this.comp, this.raw, this.cache);
    const index = table.parts.pop()!;
    pos = table.indexStart;
    const header = new Uint8Array(16);
    const hv = new DataView(header.buffer);
    hv.setBigUint64(0, BigInt(at), true);
    hv.setUint32(8, this.ids.length, true);
    return { parts: [...kv, ...table.parts, header, index], headerStart: pos };
  }
}
