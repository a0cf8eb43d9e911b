/**
 * The SquashFS writer, as a pipeline: prepare (sort, number) → data (blocks, fragments) →
 * inodes and directories (post-order, as mksquashfs) → fragment, export and id tables →
 * superblock. Tables follow each other with no gaps, in the order the kernel checks.
 */
import { open, rename, rm, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DirNode } from '../rootfs/tree.js';
import { contentSize } from '../rootfs/tree.js';
import { tempPathFor } from '../util/atomic-write.js';
import { createPool, type TaskPool } from '../workers/pool.js';
import { Flag, InodeType, PAD_TO, SUPERBLOCK_SIZE, encodeDev, basicType, extendedType, INVALID_FRAG, INVALID_XATTR } from './format.js';
import { compressorId, compressorOptions } from './compressor.js';
import { encodeMetadataBlock, encodeLookupTable, MetadataWriter } from './metadata.js';
import { encodeInode, type Inode, type DirIndex } from './inode.js';
import { DirListing } from './directory.js';
import { prepareTree, type PNode } from './prepare.js';
import { writeData, type FileData, type FragmentEntry } from './data.js';
import { encodeSuperblock } from './superblock.js';
import { resolveOptions, type Resolved, type SquashfsOptions } from './options.js';
import { BufferSink, FileSink, type Sink } from './sink.js';
import { SquashfsError } from './errors.js';
import { XattrTable } from './xattrs.js';
import { bytesOf } from '../util/byte-string.js';

class IdTable {
  readonly ids: number[] = [];
  private readonly index = new Map<number, number>();
  get(id: number): number {
    let i = this.index.get(id);
    if (i === undefined) {
      if (this.ids.length >= 65536) throw new SquashfsError('too-large', 'more than 65536 distinct uids/gids');
      i = this.ids.length;
      this.ids.push(id);
      this.index.set(id, i);
    }
    return i;
  }
}

interface MetaResult {
  xattrs: XattrTable;
  inodeTable: Uint8Array[];
  dirTable: Uint8Array[];
  rootRef: bigint;
  refs: bigint[];
  ids: number[];
}

/** Inodes and directory listings, post-order: children first, each directory after them. */
function writeMetadata(root: PNode, count: number, files: Map<PNode, FileData>, o: Resolved): MetaResult {
  const raw = o.comp.comp === 'none';
  const inodes = new MetadataWriter(o.comp, raw, o.blockCache?.metadata);
  const dirs = new MetadataWriter(o.comp, raw, o.blockCache?.metadata);
  const ids = new IdTable();
  const refs: bigint[] = new Array<bigint>(count).fill(0n);
  // Lists are numbered as inodes are written (mksquashfs reads them as it makes each inode).
  const xattrs = new XattrTable(o.comp, raw, o.blockCache?.metadata);
  const xattrOf = (p: PNode) => (o.xattrs ? xattrs.id(p.node.xattrs) : INVALID_XATTR);

  const add = (p: PNode, ino: Inode): { block: number; offset: number } => {
    const pos = inodes.position();
    inodes.append(encodeInode(ino));
    refs[p.ino - 1] = (BigInt(pos.block) << 16n) | BigInt(pos.offset);
    return pos;
  };
  const base = (p: PNode, type: number, xattr: number) => {
    const n = p.node;
    const uid = o.allRoot ? 0 : n.uid;
    const gid = o.allRoot ? 0 : n.gid;
    return {
      type,
      mode: n.mode & 0o7777,
      uidIdx: ids.get(uid),
      gidIdx: ids.get(gid),
      mtime: o.allTime ?? n.mtime,
      inodeNumber: p.ino,
      xattr,
    };
  };

  /** Where each hard-linked inode was written (pre-order puts it before its other links). */
  const written = new Map<PNode, { block: number; offset: number; type: number }>();
  const visitDir = (p: PNode, parentIno: number): { block: number; offset: number; type: number } => {
    const listing = new DirListing();
    let subdirs = 0;
    let byteCount = 0;
    for (const c of p.children) {
      const n = c.node;
      let pos: { block: number; offset: number };
      let type: number;
      const nlink = c.nlink ?? 1;
      if (c.linkOf) {
        // A hard link: an entry for the inode written where it was first met.
        const first = written.get(c.linkOf)!;
        listing.add(first.block, first.offset, c.ino, c.name, basicType(first.type));
        byteCount += c.name.length + 8;
        continue;
      }
      // A directory's list is read after its contents (visitDir), the others' here, in the order
      // mksquashfs reads them. Inodes with xattrs take the extended type (it has the index).
      const xattr = n.type === 'dir' ? INVALID_XATTR : xattrOf(c);
      const withXattr = (basic: number) => (xattr === INVALID_XATTR ? basic : extendedType(basic));
      switch (n.type) {
        case 'dir': {
          subdirs++;
          const r = visitDir(c, p.ino);
          pos = r;
          type = r.type;
          break;
        }
        case 'file': {
          const fd = files.get(c)!;
          const size = contentSize(n.content);
          const sparse = fd.sparse >= size && size > 0 ? size - 1 : fd.sparse;
          // Sizes, links and sparse bytes (the basic type has no nlink or sparse field) force the
          // extended type, as in mksquashfs.
          type = size >= 2 ** 32 || fd.blocksStart >= 2 ** 32 || nlink > 1 || sparse > 0 ? InodeType.LREG : withXattr(InodeType.REG);
          pos = add(c, { ...base(c, type, xattr), kind: 'file', blocksStart: fd.blocksStart, fragment: fd.fragment, fragOffset: fd.fragOffset, fileSize: size, sparse, nlink, blockSizes: fd.blockSizes });
          break;
        }
        case 'symlink':
          type = withXattr(InodeType.SYMLINK);
          pos = add(c, { ...base(c, type, xattr), kind: 'symlink', nlink, target: bytesOf(n.target) });
          break;
        case 'char':
        case 'block':
          type = withXattr(n.type === 'char' ? InodeType.CHRDEV : InodeType.BLKDEV);
          pos = add(c, { ...base(c, type, xattr), kind: 'dev', nlink, rdev: encodeDev(n.major, n.minor) });
          break;
        case 'fifo':
        case 'socket':
          type = withXattr(n.type === 'fifo' ? InodeType.FIFO : InodeType.SOCKET);
          pos = add(c, { ...base(c, type, xattr), kind: 'ipc', nlink });
          break;
      }
      if (nlink > 1) written.set(c, { ...pos, type });
      listing.add(pos.block, pos.offset, c.ino, c.name, basicType(type));
      byteCount += c.name.length + 8;
    }
    // The directory's listing goes into the directory table, then its inode.
    const bytes = listing.bytes();
    const where = dirs.position();
    const firstBlock = dirs.blockCount;
    dirs.append(bytes);
    dirs.flushFull();
    const index: DirIndex[] = listing.index.map((e) => ({
      index: e.index,
      startBlock: dirs.blockStart(firstBlock + Math.floor((where.offset + e.index) / 8192)),
      name: e.name,
    }));
    const xattr = xattrOf(p);
    const isLdir = !(p.children.length < 257 && byteCount < 8192) || xattr !== INVALID_XATTR;
    const fileSize = bytes.length + 3;
    const type = isLdir ? InodeType.LDIR : InodeType.DIR;
    const pos = add(p, { ...base(p, type, xattr), kind: 'dir', startBlock: where.block, offset: where.offset, nlink: subdirs + 2, fileSize, parent: parentIno, index });
    return { ...pos, type };
  };
  // mksquashfs gives the root the parent number one past the last inode.
  const r = visitDir(root, count + 1);
  return {
    xattrs,
    inodeTable: inodes.finish(),
    dirTable: dirs.finish(),
    rootRef: (BigInt(r.block) << 16n) | BigInt(r.offset),
    refs,
    ids: ids.ids,
  };
}

async function writeImage(root: DirNode, opts: SquashfsOptions, sink: Sink): Promise<Uint8Array> {
  const o = resolveOptions(opts);
  const { root: proot, count, order } = prepareTree(root);
  const ownPool = opts.pool ? undefined : createPool({ threads: opts.jobs ?? 0 });
  const pool: TaskPool = opts.pool ?? ownPool!;
  try {
    const raw = o.comp.comp === 'none';
    const compOpts = compressorOptions(o.comp, o.blockSize);
    if (compOpts) await sink.write(encodeMetadataBlock(compOpts, o.comp, true));
    const { files, fragments } = await writeData(order, o, pool, sink);
    const meta = writeMetadata(proot, count, files, o);

    const inodeTableStart = sink.pos;
    for (const b of meta.inodeTable) await sink.write(b);
    const directoryTableStart = sink.pos;
    for (const b of meta.dirTable) await sink.write(b);

    const fragBytes = new Uint8Array(fragments.length * 16);
    const fdv = new DataView(fragBytes.buffer);
    fragments.forEach((f: FragmentEntry, i) => {
      fdv.setBigUint64(i * 16, BigInt(f.start), true);
      fdv.setUint32(i * 16 + 8, f.sizeWord, true);
    });
    const ft = encodeLookupTable(fragBytes, sink.pos, o.comp, raw, o.blockCache?.metadata);
    for (const b of ft.parts) await sink.write(b);

    let exportTableStart: number | undefined;
    if (o.exportable) {
      const exp = new Uint8Array(count * 8);
      const edv = new DataView(exp.buffer);
      meta.refs.forEach((r, i) => edv.setBigUint64(i * 8, r, true));
      const et = encodeLookupTable(exp, sink.pos, o.comp, raw, o.blockCache?.metadata);
      for (const b of et.parts) await sink.write(b);
      exportTableStart = et.indexStart;
    }

    const idBytes = new Uint8Array(meta.ids.length * 4);
    const idv = new DataView(idBytes.buffer);
    meta.ids.forEach((id, i) => idv.setUint32(i * 4, id, true));
    const it = encodeLookupTable(idBytes, sink.pos, o.comp, raw, o.blockCache?.metadata);
    for (const b of it.parts) await sink.write(b);

    // After the id table, as mksquashfs writes it.
    let xattrIdTableStart: number | undefined;
    if (meta.xattrs.count > 0) {
      const xt = meta.xattrs.encode(sink.pos);
      for (const b of xt.parts) await sink.write(b);
      xattrIdTableStart = xt.headerStart;
    }

    const bytesUsed = sink.pos;
    const pad = (PAD_TO - (bytesUsed % PAD_TO)) % PAD_TO;
    if (pad) await sink.write(new Uint8Array(pad));

    let flags = 0;
    if (raw) flags |= Flag.UNCOMPRESSED_INODES | Flag.UNCOMPRESSED_DATA | Flag.UNCOMPRESSED_FRAGMENTS | Flag.UNCOMPRESSED_XATTRS;
    if (!o.fragments) flags |= Flag.NO_FRAGMENTS;
    if (o.alwaysFragments) flags |= Flag.ALWAYS_FRAGMENTS;
    if (o.dedup) flags |= Flag.DUPLICATES;
    if (o.exportable) flags |= Flag.EXPORTABLE;
    if (!o.xattrs) flags |= Flag.NO_XATTRS;
    if (compOpts) flags |= Flag.COMPRESSOR_OPTIONS;
    return encodeSuperblock({
      inodeCount: count,
      modificationTime: o.mkfsTime,
      blockSize: o.blockSize,
      fragmentCount: fragments.length,
      compressionId: compressorId(o.comp),
      blockLog: o.blockLog,
      flags,
      idCount: meta.ids.length,
      versionMajor: 4,
      versionMinor: 0,
      rootInodeRef: meta.rootRef,
      bytesUsed,
      idTableStart: it.indexStart,
      xattrIdTableStart,
      inodeTableStart,
      directoryTableStart,
      fragmentTableStart: ft.indexStart,
      exportTableStart,
    });
  } finally {
    await ownPool?.close();
  }
}

/** Build the image in memory (tests, small trees). */
export async function writeSquashfsToBuffer(root: DirNode, opts: SquashfsOptions): Promise<Uint8Array> {
  const sink = new BufferSink();
  await sink.write(new Uint8Array(SUPERBLOCK_SIZE));
  const sb = await writeImage(root, opts, sink);
  const out = sink.concat();
  out.set(sb, 0);
  return out;
}

/**
 * Write the image to `outPath` atomically (temp file, rename); file data is streamed. No fsync,
 * as mksquashfs writes its image (and as build outputs are written: src/util/atomic-write.ts).
 */
export async function writeSquashfs(root: DirNode, outPath: string, opts: SquashfsOptions): Promise<{ size: number }> {
  await mkdir(dirname(outPath), { recursive: true });
  const tmp = tempPathFor(outPath);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    const sink = new FileSink(fh, SUPERBLOCK_SIZE);
    const sb = await writeImage(root, opts, sink);
    await sink.flush();
    await fh.write(sb, 0, sb.length, 0);
    await fh.close();
    await rename(tmp, outPath);
    return { size: sink.pos };
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

export { INVALID_FRAG };
