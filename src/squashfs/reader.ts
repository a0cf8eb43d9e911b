/**
 * A SquashFS 4.0 reader for inspection and tests, hardened against corrupt images: every
 * offset is bounds-checked against the table it must lie in, directory graphs are walked
 * with cycle detection, and sizes from the image are checked before anything is allocated.
 * Errors are SquashfsError with a stable code.
 */
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { DATA_RAW, INVALID_FRAG, INVALID_XATTR, InodeType, METADATA_SIZE, SUPERBLOCK_SIZE, decodeDev, basicType } from './format.js';
import { XATTR_PREFIXES } from './xattrs.js';
import { decodeSuperblock, type Superblock } from './superblock.js';
import { decompressBlock } from './compressor.js';
import { SquashfsError } from './errors.js';
import { byteString } from '../util/byte-string.js';

export type ReadInode =
  | (ReadBase & { kind: 'dir'; startBlock: number; offset: number; fileSize: number; parent: number })
  /** `sparse`: bytes the writer found in holes (extended inodes only; 0 in basic ones). */
  | (ReadBase & { kind: 'file'; blocksStart: number; fragment: number; fragOffset: number; fileSize: number; sparse: number; blockSizes: number[] })
  /** `target` for display (invalid UTF-8 as U+FFFD); `targetBytes` as stored. */
  | (ReadBase & { kind: 'symlink'; target: string; targetBytes: Uint8Array })
  | (ReadBase & { kind: 'char' | 'block'; major: number; minor: number })
  | (ReadBase & { kind: 'fifo' | 'socket' });

export interface ReadBase {
  /** On-disk inode type (1..14). */
  type: number;
  /** Permission bits (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  inodeNumber: number;
  nlink: number;
  /** Index of its xattr list (extended types), or INVALID_XATTR. */
  xattr: number;
  /** Inode reference this was read from. */
  ref: bigint;
}

export interface DirEntry {
  /** For display: invalid UTF-8 as U+FFFD, so two names may show alike; `nameBytes` never do. */
  name: string;
  nameBytes: Uint8Array;
  inode: ReadInode;
}

/** A walked entry: `path` for display, `pathBytes` the exact bytes ("/" for the root). */
export interface WalkEntry {
  path: string;
  pathBytes: Buffer;
  inode: ReadInode;
}

export interface ReaderLimits {
  /** Largest file readFile() returns in one buffer (default 1 GiB). */
  maxFileSize?: number;
  /** Most entries walk() visits before giving up (default 10 million). */
  maxEntries?: number;
}

interface Source {
  size: number;
  read(off: number, len: number): Uint8Array;
  close(): void;
}

function fail(code: 'out-of-bounds' | 'bad-metadata' | 'bad-inode' | 'bad-directory' | 'bad-data-block' | 'too-large' | 'cycle' | 'not-found' | 'bad-superblock' | 'duplicate' | 'unsorted', msg: string): never {
  throw new SquashfsError(code, msg);
}


export class SquashfsImage {
  readonly superblock: Superblock;
  readonly ids: number[];
  private readonly metaCache = new Map<number, { data: Uint8Array; next: number }>();
  private readonly fragTable: Array<{ start: number; word: number }>;
  private readonly dirEnd: number;
  private readonly maxFileSize: number;
  private readonly maxEntries: number;

  constructor(
    private readonly src: Source,
    limits: ReaderLimits = {},
  ) {
    this.maxFileSize = limits.maxFileSize ?? 1 << 30;
    this.maxEntries = limits.maxEntries ?? 10_000_000;
    const sb = decodeSuperblock(src.read(0, Math.min(SUPERBLOCK_SIZE, src.size)));
    this.superblock = sb;
    if (sb.bytesUsed > src.size) fail('bad-superblock', `superblock says ${sb.bytesUsed} bytes used, image has ${src.size}`);
    const order = [SUPERBLOCK_SIZE, sb.inodeTableStart, sb.directoryTableStart];
    for (let i = 1; i < order.length; i++) {
      if (order[i]! < order[i - 1]!) fail('bad-superblock', 'table offsets are out of order');
    }
    const after = [sb.fragmentTableStart, sb.idTableStart, sb.exportTableStart, sb.xattrIdTableStart]
      .filter((x): x is number => x !== undefined);
    for (const x of after) {
      if (x < sb.directoryTableStart || x > sb.bytesUsed) fail('bad-superblock', `table offset ${x} is outside ${sb.directoryTableStart}..${sb.bytesUsed}`);
    }
    this.ids = this.readLookup(sb.idTableStart, sb.idCount, 4, 'id').map((b) => new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true));
    if (sb.idCount === 0) fail('bad-superblock', 'id table is empty');
    const frags = sb.fragmentCount > 0 ? this.readLookup(sb.fragmentTableStart, sb.fragmentCount, 16, 'fragment') : [];
    this.fragTable = frags.map((b) => {
      const dv = new DataView(b.buffer, b.byteOffset, 16);
      const start = Number(dv.getBigUint64(0, true));
      return { start, word: dv.getUint32(8, true) };
    });
    // The directory table ends where the first later table's metadata begins.
    let end = sb.bytesUsed;
    for (const x of after) if (x < end) end = x;
    for (const f of this.lookupBlockStarts) if (f < end && f >= sb.directoryTableStart) end = f;
    this.dirEnd = end;
  }

  private lookupBlockStarts: number[] = [];

  private readAt(off: number, len: number, what: string): Uint8Array {
    if (!Number.isSafeInteger(off) || off < 0 || len < 0 || off + len > this.superblock.bytesUsed) {
      fail('out-of-bounds', `${what}: bytes ${off}..${off + len} are outside the image (${this.superblock.bytesUsed} bytes used)`);
    }
    return this.src.read(off, len);
  }

  /** One metadata block at absolute `pos`, which must lie below `limit`. */
  private metaBlock(pos: number, limit: number, what: string): { data: Uint8Array; next: number } {
    const hit = this.metaCache.get(pos);
    if (hit) return hit;
    if (pos + 2 > limit) fail('out-of-bounds', `${what}: metadata block at ${pos} is past the table end ${limit}`);
    const h = this.readAt(pos, 2, what);
    const word = h[0]! | (h[1]! << 8);
    const size = word & 0x7fff;
    if (size === 0 || size > METADATA_SIZE) fail('bad-metadata', `${what}: metadata block at ${pos} has size ${size}`);
    if (pos + 2 + size > limit) fail('out-of-bounds', `${what}: metadata block at ${pos} runs past the table end ${limit}`);
    const body = this.readAt(pos + 2, size, what);
    const data = word & 0x8000 ? body : decompressBlock(this.superblock.compressionId, body, METADATA_SIZE);
    const r = { data, next: pos + 2 + size };
    if (this.metaCache.size > 4096) this.metaCache.clear();
    this.metaCache.set(pos, r);
    return r;
  }

  /** Read `len` bytes of a metadata table starting at block `pos` (absolute), offset `off`. */
  private metaRead(pos: number, off: number, len: number, limit: number, what: string): { bytes: Uint8Array; pos: number; off: number } {
    const out = new Uint8Array(len);
    let got = 0;
    while (got < len) {
      const b = this.metaBlock(pos, limit, what);
      if (off > b.data.length) fail('bad-metadata', `${what}: offset ${off} is past a ${b.data.length}-byte metadata block`);
      const take = Math.min(len - got, b.data.length - off);
      out.set(b.data.subarray(off, off + take), got);
      got += take;
      off += take;
      if (off === b.data.length && got < len) {
        pos = b.next;
        off = 0;
      }
    }
    return { bytes: out, pos, off };
  }

  private readLookup(indexStart: number, count: number, size: number, what: string): Uint8Array[] {
    const total = count * size;
    const blocks = Math.ceil(total / METADATA_SIZE);
    // Each block costs at least 3 bytes on disk: reject counts the image cannot hold.
    if (blocks * 11 > this.superblock.bytesUsed) fail('too-large', `${what} table claims ${count} entries, more than the image can hold`);
    const idx = this.readAt(indexStart, blocks * 8, `${what} table index`);
    const dv = new DataView(idx.buffer, idx.byteOffset, idx.length);
    const data = new Uint8Array(total);
    let got = 0;
    for (let i = 0; i < blocks; i++) {
      const pos = Number(dv.getBigUint64(i * 8, true));
      if (pos < this.superblock.directoryTableStart || pos >= indexStart) fail('out-of-bounds', `${what} table block ${i} at ${pos} is outside its table`);
      this.lookupBlockStarts.push(pos);
      const b = this.metaBlock(pos, indexStart, `${what} table`);
      const want = Math.min(METADATA_SIZE, total - got);
      if (b.data.length < want) fail('bad-metadata', `${what} table block ${i} holds ${b.data.length} bytes, expected ${want}`);
      data.set(b.data.subarray(0, want), got);
      got += want;
    }
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) out.push(data.subarray(i * size, (i + 1) * size));
    return out;
  }

  private id(i: number, what: string): number {
    if (i >= this.ids.length) fail('bad-inode', `${what}: id index ${i} is past the id table (${this.ids.length})`);
    return this.ids[i]!;
  }

  /** Parse the inode at reference `ref`. */
  inode(ref: bigint): ReadInode {
    const sb = this.superblock;
    const block = Number(ref >> 16n);
    const off = Number(ref & 0xffffn);
    const limit = sb.directoryTableStart;
    const start = sb.inodeTableStart + block;
    if (off >= METADATA_SIZE || start >= limit) fail('out-of-bounds', `inode reference ${ref} is outside the inode table`);
    let cur = { pos: start, off };
    const take = (n: number) => {
      const r = this.metaRead(cur.pos, cur.off, n, limit, 'inode table');
      cur = { pos: r.pos, off: r.off };
      return new DataView(r.bytes.buffer);
    };
    const h = take(16);
    const type = h.getUint16(0, true);
    const what = `inode ${ref}`;
    const base: ReadBase = {
      type,
      mode: h.getUint16(2, true) & 0o7777,
      uid: this.id(h.getUint16(4, true), what),
      gid: this.id(h.getUint16(6, true), what),
      mtime: h.getUint32(8, true),
      inodeNumber: h.getUint32(12, true),
      nlink: 1,
      xattr: INVALID_XATTR,
      ref,
    };
    if (base.inodeNumber < 1 || base.inodeNumber > sb.inodeCount) fail('bad-inode', `${what}: inode number ${base.inodeNumber} is outside 1..${sb.inodeCount}`);
    const blockCountFor = (size: number, frag: number) => {
      const n = frag === INVALID_FRAG ? Math.ceil(size / sb.blockSize) : Math.floor(size / sb.blockSize);
      // Block lists live in the inode table; it cannot hold more than this many.
      const cap = Math.ceil((limit - sb.inodeTableStart) / 2) * (METADATA_SIZE / 4);
      if (n > cap) fail('too-large', `${what}: file of ${size} bytes needs ${n} block sizes, more than the inode table holds`);
      return n;
    };
    const readBlocks = (n: number) => {
      const out: number[] = [];
      if (n === 0) return out;
      const dv = take(4 * n);
      for (let i = 0; i < n; i++) out.push(dv.getUint32(4 * i, true));
      return out;
    };
    switch (type) {
      case InodeType.DIR: {
        const d = take(16);
        return { ...base, kind: 'dir', startBlock: d.getUint32(0, true), nlink: d.getUint32(4, true), fileSize: d.getUint16(8, true), offset: d.getUint16(10, true), parent: d.getUint32(12, true) };
      }
      case InodeType.LDIR: {
        const d = take(24);
        return { ...base, kind: 'dir', nlink: d.getUint32(0, true), fileSize: d.getUint32(4, true), startBlock: d.getUint32(8, true), parent: d.getUint32(12, true), offset: d.getUint16(18, true), xattr: d.getUint32(20, true) };
      }
      case InodeType.REG: {
        const d = take(16);
        const fragment = d.getUint32(4, true);
        const fileSize = d.getUint32(12, true);
        return { ...base, kind: 'file', blocksStart: d.getUint32(0, true), fragment, fragOffset: d.getUint32(8, true), fileSize, sparse: 0, blockSizes: readBlocks(blockCountFor(fileSize, fragment)) };
      }
      case InodeType.LREG: {
        const d = take(40);
        const fileSize = Number(d.getBigUint64(8, true));
        const sparse = Number(d.getBigUint64(16, true));
        const fragment = d.getUint32(28, true);
        if (!Number.isSafeInteger(fileSize)) fail('too-large', `${what}: file size out of range`);
        return { ...base, kind: 'file', blocksStart: Number(d.getBigUint64(0, true)), nlink: d.getUint32(24, true), fragment, fragOffset: d.getUint32(32, true), xattr: d.getUint32(36, true), fileSize, sparse, blockSizes: readBlocks(blockCountFor(fileSize, fragment)) };
      }
      case InodeType.SYMLINK:
      case InodeType.LSYMLINK: {
        const d = take(8);
        const len = d.getUint32(4, true);
        // symlink(2) takes no empty target and none with a NUL (it would end there).
        if (len === 0 || len > 4096) fail('bad-inode', `${what}: symlink target of ${len} bytes`);
        const targetBytes = new Uint8Array(take(len).buffer);
        if (targetBytes.includes(0)) fail('bad-inode', `${what}: symlink target holds a NUL byte`);
        const xattr = type === InodeType.LSYMLINK ? take(4).getUint32(0, true) : INVALID_XATTR;
        return { ...base, kind: 'symlink', nlink: d.getUint32(0, true), xattr, target: byteString(targetBytes), targetBytes };
      }
      case InodeType.BLKDEV:
      case InodeType.CHRDEV:
      case InodeType.LBLKDEV:
      case InodeType.LCHRDEV: {
        const d = take(8);
        const { major, minor } = decodeDev(d.getUint32(4, true));
        const xattr = type > 7 ? take(4).getUint32(0, true) : INVALID_XATTR;
        return { ...base, kind: basicType(type) === InodeType.CHRDEV ? 'char' : 'block', nlink: d.getUint32(0, true), xattr, major, minor };
      }
      case InodeType.FIFO:
      case InodeType.SOCKET:
      case InodeType.LFIFO:
      case InodeType.LSOCKET: {
        const d = take(type > 7 ? 8 : 4);
        const xattr = type > 7 ? d.getUint32(4, true) : INVALID_XATTR;
        return { ...base, kind: basicType(type) === InodeType.FIFO ? 'fifo' : 'socket', nlink: d.getUint32(0, true), xattr };
      }
      default:
        fail('bad-inode', `${what}: unknown inode type ${type}`);
    }
  }

  private xattrIds?: Array<{ ref: bigint; count: number; size: number }>;
  private xattrKvStart = 0;

  /** An inode's xattrs (full names, stored order); empty when it has none. */
  xattrs(inode: ReadInode): Array<[string, Uint8Array]> {
    if (inode.xattr === INVALID_XATTR) return [];
    const sb = this.superblock;
    const what = `xattrs of inode ${inode.inodeNumber}`;
    if (sb.xattrIdTableStart === undefined) fail('bad-inode', `${what}: xattr index ${inode.xattr} but the image has no xattr table`);
    const tableEnd = sb.xattrIdTableStart;
    if (!this.xattrIds) {
      const hb = this.readAt(tableEnd, 16, 'xattr table header');
      const h = new DataView(hb.buffer, hb.byteOffset, 16);
      const kvStart = Number(h.getBigUint64(0, true));
      const count = h.getUint32(8, true);
      if (kvStart < sb.directoryTableStart || kvStart >= tableEnd) fail('out-of-bounds', `xattr table start ${kvStart} is outside ${sb.directoryTableStart}..${tableEnd}`);
      this.xattrKvStart = kvStart;
      this.xattrIds = this.readLookup(tableEnd + 16, count, 16, 'xattr id').map((b) => {
        const dv = new DataView(b.buffer, b.byteOffset, 16);
        return { ref: dv.getBigUint64(0, true), count: dv.getUint32(8, true), size: dv.getUint32(12, true) };
      });
    }
    const entry = this.xattrIds[inode.xattr];
    if (!entry) fail('bad-inode', `${what}: xattr index ${inode.xattr} is past the xattr id table (${this.xattrIds.length})`);
    // Each entry takes at least 8 bytes of the key/value blocks: bounds counts and sizes.
    const room = (tableEnd - this.xattrKvStart) * (METADATA_SIZE / 2);
    if (entry.count * 8 > room) fail('too-large', `${what}: ${entry.count} xattrs, more than the table holds`);
    const at = (ref: bigint) => {
      const off = Number(ref & 0xffffn);
      if (off >= METADATA_SIZE) fail('bad-metadata', `${what}: offset ${off} in an xattr reference`);
      return { pos: this.xattrKvStart + Number(ref >> 16n), off };
    };
    const read = (p: { pos: number; off: number }, n: number) => {
      // Linux caps a value at 64 KiB (XATTR_SIZE_MAX): a larger size is forged.
      if (n > 65536 || n > room) fail('too-large', `${what}: ${n} bytes in one xattr field`);
      const r = this.metaRead(p.pos, p.off, n, tableEnd, 'xattr table');
      return { bytes: r.bytes, next: { pos: r.pos, off: r.off } };
    };
    let cur = at(entry.ref);
    const take = (n: number) => {
      const r = read(cur, n);
      cur = r.next;
      return r.bytes;
    };
    const u32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
    const out: Array<[string, Uint8Array]> = [];
    for (let i = 0; i < entry.count; i++) {
      const k = new DataView(take(4).buffer);
      const type = k.getUint16(0, true);
      const prefix = XATTR_PREFIXES.find(([, t]) => t === (type & 0xff))?.[0];
      if (prefix === undefined) fail('bad-metadata', `${what}: unknown xattr prefix type ${type & 0xff}`);
      const name = prefix + byteString(take(k.getUint16(2, true)));
      const vsize = u32(take(4));
      if (type & 0x100) {
        // Out of line: a reference to a squashfs_xattr_val (u32 size, then the bytes).
        if (vsize !== 8) fail('bad-metadata', `${what}: out-of-line value reference of ${vsize} bytes`);
        const val = read(at(new DataView(take(8).buffer).getBigUint64(0, true)), 4);
        out.push([name, read(val.next, u32(val.bytes)).bytes]);
      } else {
        out.push([name, take(vsize)]);
      }
    }
    return out;
  }

  root(): ReadInode {
    const r = this.inode(this.superblock.rootInodeRef);
    if (r.kind !== 'dir') fail('bad-inode', 'the root inode is not a directory');
    return r;
  }

  /**
   * Entries of a directory, in on-disk order. Names must be strictly increasing byte strings
   * (mksquashfs sorts them with strcmp; the kernel's lookup relies on it): a name listed twice,
   * for instance a symlink and then a directory of the same name, is refused ('duplicate'), as
   * is one out of order ('unsorted', which could hide a duplicate further on), before any entry
   * of the directory is returned. unsquashfs 4.5.1 refuses both as well.
   */
  readDir(dir: ReadInode): DirEntry[] {
    if (dir.kind !== 'dir') fail('bad-directory', `inode ${dir.inodeNumber} is not a directory`);
    const sb = this.superblock;
    if (dir.fileSize < 3) fail('bad-directory', `directory inode ${dir.inodeNumber} has size ${dir.fileSize}`);
    const len = dir.fileSize - 3;
    if (len === 0) return [];
    const start = sb.directoryTableStart + dir.startBlock;
    if (dir.offset >= METADATA_SIZE || start >= this.dirEnd) fail('out-of-bounds', `directory inode ${dir.inodeNumber} points outside the directory table`);
    // A listing cannot be larger than the directory table can decompress to.
    if (len > Math.ceil((this.dirEnd - start) / 2) * METADATA_SIZE) fail('too-large', `directory inode ${dir.inodeNumber} claims ${len} bytes of entries`);
    const bytes = this.metaRead(start, dir.offset, len, this.dirEnd, 'directory table').bytes;
    const dv = new DataView(bytes.buffer);
    const out: DirEntry[] = [];
    const where = `directory ${dir.inodeNumber}`;
    let prev: Uint8Array | undefined;
    let p = 0;
    while (p < len) {
      if (p + 12 > len) fail('bad-directory', `directory ${dir.inodeNumber}: truncated header`);
      const count = dv.getUint32(p, true) + 1;
      const blk = dv.getUint32(p + 4, true);
      const baseIno = dv.getUint32(p + 8, true);
      p += 12;
      if (count > 256) fail('bad-directory', `directory ${dir.inodeNumber}: header with ${count} entries`);
      for (let i = 0; i < count; i++) {
        if (p + 8 > len) fail('bad-directory', `directory ${dir.inodeNumber}: truncated entry`);
        const off = dv.getUint16(p, true);
        const nsize = dv.getUint16(p + 6, true) + 1;
        if (nsize > 256 || p + 8 + nsize > len) fail('bad-directory', `directory ${dir.inodeNumber}: bad name length ${nsize}`);
        const nameBytes = bytes.slice(p + 8, p + 8 + nsize);
        const name = byteString(nameBytes);
        if (name === '.' || name === '..' || nameBytes.includes(0x2f) || nameBytes.includes(0)) fail('bad-directory', `${where}: invalid name ${JSON.stringify(name)}`);
        if (prev !== undefined) {
          const c = Buffer.compare(prev, nameBytes);
          if (c === 0) fail('duplicate', `${where}: the name ${JSON.stringify(name)} is listed twice`);
          if (c > 0) fail('unsorted', `${where}: ${JSON.stringify(name)} is listed after ${JSON.stringify(byteString(prev))}`);
        }
        prev = nameBytes;
        p += 8 + nsize;
        const inode = this.inode((BigInt(blk) << 16n) | BigInt(off));
        void baseIno;
        out.push({ name, nameBytes, inode });
      }
    }
    return out;
  }

  /** Every entry, depth-first pre-order, with absolute paths ("/" for the root). */
  *walk(): Generator<WalkEntry> {
    const seen = new Set<bigint>();
    let count = 0;
    const root = this.root();
    const slash = Buffer.from('/');
    const stack: WalkEntry[] = [{ path: '/', pathBytes: slash, inode: root }];
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (++count > this.maxEntries) fail('too-large', `more than ${this.maxEntries} entries`);
      yield e;
      if (e.inode.kind !== 'dir') continue;
      if (seen.has(e.inode.ref)) fail('cycle', `directory ${e.path} is reachable twice (cyclic or shared directory)`);
      seen.add(e.inode.ref);
      const kids = this.readDir(e.inode);
      for (let i = kids.length - 1; i >= 0; i--) {
        const k = kids[i]!;
        const top = e.path === '/';
        stack.push({ path: top ? `/${k.name}` : `${e.path}/${k.name}`, pathBytes: Buffer.concat(top ? [slash, k.nameBytes] : [e.pathBytes, slash, k.nameBytes]), inode: k.inode });
      }
    }
  }

  lookup(path: string): ReadInode {
    let cur = this.root();
    for (const part of path.split('/').filter((x) => x !== '')) {
      const want = Buffer.from(part);
      const hit = this.readDir(cur).find((e) => want.equals(e.nameBytes));
      if (!hit) fail('not-found', `${path}: no such entry in the image`);
      cur = hit.inode;
    }
    return cur;
  }

  /** A file's contents block by block (bounded memory); holes as zeros. */
  *fileChunks(file: ReadInode): Generator<Uint8Array> {
    for (const c of this.fileBlocks(file)) yield typeof c === 'number' ? new Uint8Array(c) : c;
  }

  /** A file's contents block by block: a sparse block (a hole) as its length. */
  *fileBlocks(file: ReadInode): Generator<Uint8Array | number> {
    if (file.kind !== 'file') fail('bad-inode', `inode ${file.inodeNumber} is not a regular file`);
    const sb = this.superblock;
    let pos = file.blocksStart;
    let left = file.fileSize;
    for (const word of file.blockSizes) {
      const want = Math.min(sb.blockSize, left);
      const size = word & ~DATA_RAW;
      if (size === 0) {
        yield want;
      } else {
        if (size > sb.blockSize) fail('bad-data-block', `inode ${file.inodeNumber}: block of ${size} bytes`);
        const raw = this.readAt(pos, size, `inode ${file.inodeNumber} data`);
        const data = word & DATA_RAW ? raw : decompressBlock(sb.compressionId, raw, sb.blockSize);
        if (data.length !== want) fail('bad-data-block', `inode ${file.inodeNumber}: block holds ${data.length} bytes, expected ${want}`);
        pos += size;
        yield data;
      }
      left -= want;
    }
    if (left > 0) {
      if (file.fragment === INVALID_FRAG) fail('bad-inode', `inode ${file.inodeNumber}: ${left} bytes missing and no fragment`);
      const f = this.fragTable[file.fragment];
      if (!f) fail('bad-inode', `inode ${file.inodeNumber}: fragment ${file.fragment} is past the fragment table`);
      const size = f.word & ~DATA_RAW;
      if (size === 0 || size > sb.blockSize) fail('bad-data-block', `fragment ${file.fragment}: size ${size}`);
      const raw = this.readAt(f.start, size, `fragment ${file.fragment}`);
      const data = f.word & DATA_RAW ? raw : decompressBlock(sb.compressionId, raw, sb.blockSize);
      if (file.fragOffset + left > data.length) fail('bad-data-block', `inode ${file.inodeNumber}: tail ${file.fragOffset}+${left} is past fragment ${file.fragment} (${data.length} bytes)`);
      yield data.subarray(file.fragOffset, file.fragOffset + left);
    }
  }

  readFile(fileOrPath: ReadInode | string): Uint8Array {
    const file = typeof fileOrPath === 'string' ? this.lookup(fileOrPath) : fileOrPath;
    if (file.kind !== 'file') fail('bad-inode', `inode ${file.inodeNumber} is not a regular file`);
    if (file.fileSize > this.maxFileSize) fail('too-large', `file of ${file.fileSize} bytes is over the ${this.maxFileSize}-byte limit`);
    const out = new Uint8Array(file.fileSize);
    let at = 0;
    for (const c of this.fileChunks(file)) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  close(): void {
    this.src.close();
  }
}

function bytesSource(b: Uint8Array): Source {
  return { size: b.length, read: (off, len) => b.subarray(off, off + len), close: () => undefined };
}

function fileSource(path: string): Source {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new SquashfsError('bad-input', `${path}: ${(err as Error).message}`, { cause: err });
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new SquashfsError('bad-input', `${path} is ${st.isDirectory() ? 'a directory' : 'not a file'}, not an image`);
  }
  const size = st.size;
  return {
    size,
    read(off, len) {
      const buf = new Uint8Array(len);
      let got = 0;
      while (got < len) {
        const n = readSync(fd, buf, got, len - got, off + got);
        if (n === 0) fail('out-of-bounds', `${path}: unexpected end of file at ${off + got}`);
        got += n;
      }
      return buf;
    },
    close: () => closeSync(fd),
  };
}

/** Open an image held in memory or stored in a file. */
export async function openSquashfs(src: Uint8Array | string, limits?: ReaderLimits): Promise<SquashfsImage> {
  const s = typeof src === 'string' ? fileSource(src) : bytesSource(src);
  try {
    return new SquashfsImage(s, limits);
  } catch (err) {
    s.close();
    throw err;
  }
}
