/**
 * The data stage: file contents in pre-order, cut into blocks, compressed in the worker pool
 * and written in order (so the bytes never depend on the number of workers); small files
 * packed into fragment blocks; all-zero blocks left sparse; identical files stored once.
 * Memory stays bounded by the number of blocks in flight.
 * With a block cache, every file's block digests are known first (digests.ts): blocks are then
 * read only when their compressed form is not cached, and fragments are keyed on their members'
 * digests, so a warm build reads and hashes almost nothing.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { contentSize, type ContentSource } from '../rootfs/tree.js';
import type { TaskPool } from '../workers/pool.js';
import { DATA_RAW, INVALID_FRAG } from './format.js';
import { compressBlockNative, settingsKey, usesSysLib } from './compressor.js';
import { createLimiter } from '../nix/limit.js';
import { proveNarSync } from '../nix/nar-proof.js';
import { digestsOf, sameDigest, zeroDigest } from './digests.js';
import type { Resolved, CachedBlock } from './options.js';
import type { PNode } from './prepare.js';
import type { Sink } from './sink.js';
import { fsPath } from '../util/byte-string.js';

export interface FileData {
  blocksStart: number;
  blockSizes: number[];
  fragment: number;
  fragOffset: number;
  /**
   * Bytes in sparse (all-zero) blocks, counted (as mksquashfs counts them) only for a host file
   * with holes (st_blocks × 512 under its size): others are stored sparsely too, but report no
   * sparse bytes, and keep the basic inode.
   */
  sparse: number;
}

export interface FragmentEntry {
  start: number;
  sizeWord: number;
}

function hashContent(src: ContentSource): string {
  const h = createHash('sha256');
  for (const chunk of chunksOf(src, contentSize(src), 1 << 20)) h.update(chunk);
  return h.digest('hex');
}

/**
 * Files that may be duplicates (same size as another file) get a content hash (from their block
 * digests when known). With `smallZeroBelow`, all-zero files smaller than that are left to the
 * data stage (mksquashfs finds those only in some cases: see writeData).
 */
async function findDuplicates(files: PNode[], digests?: ReadonlyMap<ContentSource, Uint8Array[]>, smallZeroBelow = 0): Promise<Map<PNode, PNode>> {
  const bySize = new Map<number, PNode[]>();
  for (const f of files) {
    if (f.node.type !== 'file') continue;
    const size = contentSize(f.node.content);
    if (size === 0) continue;
    const list = bySize.get(size);
    if (list) list.push(f);
    else bySize.set(size, [f]);
  }
  const dupOf = new Map<PNode, PNode>();
  for (const list of bySize.values()) {
    if (list.length < 2) continue;
    const first = new Map<string, PNode>();
    for (const f of list) {
      const src = (f.node as { content: ContentSource }).content;
      const d = digests?.get(src);
      const h = d ? Buffer.concat(d).toString('hex') : hashContent(src);
      if (contentSize(src) < smallZeroBelow && h === hex(zeroDigest(contentSize(src)))) continue;
      const orig = first.get(h);
      if (orig) dupOf.set(f, orig);
      else first.set(h, f);
    }
  }
  return dupOf;
}

/** What a file with a tail fragment (-always-use-fragments) may share with earlier files. */
interface PartKeys {
  /** Its whole blocks (all but the tail), when another file has as many. */
  blocks?: string;
  /** Its tail, when another file has a tail (or is a small file) of that length. */
  tail?: string;
  /** The tail is all zeros: it is a sparse block, not a fragment, so the file has one more block. */
  tailZero: boolean;
}

/**
 * Keys for mksquashfs's partial duplicates, for files that are not whole duplicates: with tails
 * packed into fragments, a file whose whole blocks equal an earlier file's shares those blocks
 * (whatever its tail), and a tail equal to an earlier fragment (a small file's or another tail)
 * shares that fragment. Only files that could match (the same number of whole blocks, the same
 * tail length as another file) are hashed; block digests are used when known.
 */
function partKeys(files: PNode[], dupOf: Map<PNode, PNode>, blockSize: number, digests?: ReadonlyMap<ContentSource, Uint8Array[]>): Map<PNode, PartKeys> {
  const byBlocks = new Map<number, PNode[]>();
  const byTail = new Map<number, PNode[]>();
  const add = (m: Map<number, PNode[]>, k: number, p: PNode) => {
    const l = m.get(k);
    if (l) l.push(p);
    else m.set(k, [p]);
  };
  for (const p of files) {
    if (p.node.type !== 'file' || dupOf.has(p)) continue;
    const size = contentSize(p.node.content);
    if (size >= blockSize) add(byBlocks, Math.floor(size / blockSize), p);
    if (size % blockSize !== 0) add(byTail, size % blockSize, p);
  }
  const out = new Map<PNode, PartKeys>();
  const keysOf = (p: PNode): PartKeys => {
    let k = out.get(p);
    if (!k) {
      const src = (p.node as { content: ContentSource }).content;
      const size = contentSize(src);
      const tail = size % blockSize;
      let tailZero = false;
      if (tail !== 0) {
        const d = digests?.get(src);
        tailZero = d ? sameDigest(d[d.length - 1]!, zeroDigest(tail)) : isZero(readRange(src, size - tail, tail));
      }
      out.set(p, (k = { tailZero }));
    }
    return k;
  };
  for (const list of byBlocks.values()) {
    if (list.length < 2) continue;
    for (const p of list) {
      const src = (p.node as { content: ContentSource }).content;
      const n = Math.floor(contentSize(src) / blockSize);
      const d = digests?.get(src);
      const h = createHash('sha256');
      if (d) for (let i = 0; i < n; i++) h.update(d[i]!);
      else for (let i = 0; i < n; i++) h.update(createHash('sha256').update(readRange(src, i * blockSize, blockSize)).digest());
      keysOf(p).blocks = `${n}:${h.digest('hex')}`;
    }
  }
  for (const [len, list] of byTail) {
    if (list.length < 2) continue;
    for (const p of list) {
      const src = (p.node as { content: ContentSource }).content;
      const size = contentSize(src);
      const k = keysOf(p);
      if (k.tailZero) continue;
      const d = digests?.get(src);
      const digest = d ? d[d.length - 1]! : createHash('sha256').update(readRange(src, size - len, len)).digest();
      k.tail = `${len}:${hex(digest)}`;
    }
  }
  return out;
}

/**
 * Without tail packing, mksquashfs also takes two files with the same number of blocks, equal
 * but for a last block that is all zeros in both (a sparse block of any length), to share their
 * blocks (two blocks or more). The key of such a file (its block count and the digests before
 * the last block), for files in a group of the same block count but different sizes (equal sizes
 * are whole duplicates); the last block is read only when its last bytes are zeros.
 */
function zeroLastKeys(files: PNode[], dupOf: Map<PNode, PNode>, blockSize: number, minSize: number, digests?: ReadonlyMap<ContentSource, Uint8Array[]>): Map<PNode, string> {
  const byCount = new Map<number, { sizes: Set<number>; list: PNode[] }>();
  for (const p of files) {
    if (p.node.type !== 'file' || dupOf.has(p)) continue;
    const size = contentSize(p.node.content);
    if (size === 0 || size < minSize) continue;
    const n = Math.ceil(size / blockSize);
    let g = byCount.get(n);
    if (!g) byCount.set(n, (g = { sizes: new Set(), list: [] }));
    g.sizes.add(size);
    g.list.push(p);
  }
  const out = new Map<PNode, string>();
  for (const [n, g] of byCount) {
    // One block: mksquashfs's hash bucket holds a sparse first block's length, so only equal sizes meet.
    if (g.sizes.size < 2 || n === 1) continue;
    for (const p of g.list) {
      const src = (p.node as { content: ContentSource }).content;
      const size = contentSize(src);
      const last = size - (n - 1) * blockSize;
      const d = digests?.get(src);
      if (d) {
        if (!sameDigest(d[n - 1]!, zeroDigest(last))) continue;
      } else if (!isZero(readRange(src, size - Math.min(8, last), Math.min(8, last))) || !isZero(readRange(src, size - last, last))) continue;
      const h = createHash('sha256');
      for (let i = 0; i < n - 1; i++) h.update(d ? d[i]! : createHash('sha256').update(readRange(src, i * blockSize, blockSize)).digest());
      out.set(p, `${n}:${h.digest('hex')}`);
    }
  }
  return out;
}

/**
 * `size` bytes of a file's contents from `start` (at most a block), read synchronously: a read
 * from the page cache costs less than a trip through libuv's thread pool and a promise, and
 * this thread has nothing else to do meanwhile (blocks compress on other threads).
 */
function readRange(src: ContentSource, start: number, size: number): Uint8Array {
  if (src.kind === 'bytes') return src.data.subarray(start, start + size);
  const fd = openSource(src);
  try {
    return readAt(src, fd, start, size);
  } finally {
    closeSync(fd);
  }
}

/** A file or NAR to read; a NAR only once this process proved it against its NarHash (nix/nar-proof.ts). */
function openSource(src: Exclude<ContentSource, { kind: 'bytes' }>): number {
  if (src.kind === 'nar-slice' && src.narHash) proveNarSync(src.narPath, src.narHash);
  return openSync(fsPath(src.kind === 'host-file' ? src.path : src.narPath), 'r');
}

function readAt(src: Exclude<ContentSource, { kind: 'bytes' }>, fd: number, start: number, size: number): Uint8Array {
  const base = (src.kind === 'host-file' ? 0 : src.offset) + start;
  const buf = new Uint8Array(size);
  for (let got = 0; got < size; ) {
    const n = readSync(fd, buf, got, size - got, base + got);
    if (n === 0) throw new Error(`${src.kind === 'host-file' ? src.path : src.narPath}: unexpected end of file at byte ${base + got}`);
    got += n;
  }
  return buf;
}

/** A file's contents in chunks of `blockSize` (the last may be shorter), read synchronously. */
function* chunksOf(src: ContentSource, size: number, blockSize: number): Generator<Uint8Array> {
  if (src.kind === 'bytes') {
    for (let i = 0; i < size; i += blockSize) yield src.data.subarray(i, i + blockSize);
    return;
  }
  const fd = openSource(src);
  try {
    for (let done = 0; done < size; done += blockSize) yield readAt(src, fd, done, Math.min(blockSize, size - done));
  } finally {
    closeSync(fd);
  }
}

type BlockOut = { sparse: true } | { sparse: false; data: Uint8Array; compressed: boolean };

/** One block of a file: its bytes (read now, or on demand when its digest is known). */
interface Block {
  length: number;
  zero: boolean;
  digest?: Uint8Array;
  bytes(): Uint8Array;
  /** The bytes may be handed to a worker (not a view of a caller's buffer). */
  own: boolean;
}

/** Blocks read in order (no digests: no cache). */
function* readBlocks(src: ContentSource, size: number, blockSize: number): Generator<Block> {
  for (const chunk of chunksOf(src, size, blockSize)) {
    yield { length: chunk.length, zero: isZero(chunk), bytes: () => chunk, own: src.kind !== 'bytes' };
  }
}

/** Blocks named by their digests; read only if `bytes()` is called. */
function* namedBlocks(src: ContentSource, size: number, blockSize: number, digests: Uint8Array[]): Generator<Block> {
  for (let i = 0; i * blockSize < size; i++) {
    const length = Math.min(blockSize, size - i * blockSize);
    const digest = digests[i]!;
    yield { length, digest, zero: sameDigest(digest, zeroDigest(length)), bytes: () => readRange(src, i * blockSize, length), own: src.kind !== 'bytes' };
  }
}

function isZero(b: Uint8Array): boolean {
  // Word-wise check; most non-zero blocks fail in the first few words.
  const n8 = b.length >>> 3;
  if (b.byteOffset % 8 === 0) {
    const w = new BigUint64Array(b.buffer, b.byteOffset, n8);
    for (let i = 0; i < n8; i++) if (w[i] !== 0n) return false;
  } else {
    for (let i = 0; i < n8 * 8; i++) if (b[i] !== 0) return false;
  }
  for (let i = n8 * 8; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export async function writeData(
  order: PNode[],
  opts: Resolved,
  pool: TaskPool,
  sink: Sink,
): Promise<{ files: Map<PNode, FileData>; fragments: FragmentEntry[] }> {
  const { blockSize } = opts;
  const files = new Map<PNode, FileData>();
  const fragments: FragmentEntry[] = [];
  const cache = opts.comp.comp === 'none' ? undefined : opts.blockCache;
  const contents = order.flatMap((p) => (p.node.type === 'file' ? [p.node.content] : []));
  const digests = cache ? await digestsOf(contents, blockSize, cache.digests) : undefined;
  const dupOf = opts.dedup ? await findDuplicates(order, digests, opts.fragments ? blockSize : 0) : new Map<PNode, PNode>();
  // Without tail packing, the only fragments are whole small files (whole duplicates above).
  const parts = opts.dedup && opts.fragments && opts.alwaysFragments ? partKeys(order, dupOf, blockSize, digests) : undefined;
  // (With tail packing an all-zero tail takes mksquashfs's duplicate search other ways; not followed.)
  const zeroLast = opts.dedup && !(opts.fragments && opts.alwaysFragments) ? zeroLastKeys(order, dupOf, blockSize, opts.fragments ? blockSize : 0, digests) : undefined;
  /** The first file to store each set of whole blocks, and each tail fragment. */
  const blocksOwner = new Map<string, FileData>();
  const tailOwner = new Map<string, { fragment: number; fragOffset: number }>();
  /** Lengths of the fragments stored so far, and the last all-zero small file stored (see below). */
  const fragSizes = new Set<number>();
  let smallZero: { fd: FileData; size: number } | undefined;
  /**
   * Files that share another's blocks: filled in when that file's block sizes are known. The
   * sparse count is the file's own (its last block may be longer or shorter), or with
   * `sameFile` (mksquashfs found the very file) the other's.
   */
  const blocksFrom = new Map<FileData, { from: FileData; holes: boolean; size: number; sameFile: boolean }>();
  const cacheKey = settingsKey(opts.comp, blockSize);
  let bytesTotal = 0;
  let bytesDone = 0;
  if (opts.onProgress) for (const p of order) if (p.node.type === 'file' && !dupOf.has(p)) bytesTotal += contentSize(p.node.content);
  const progress = (n: number) => {
    bytesDone += n;
    opts.onProgress?.(bytesDone, bytesTotal);
  };

  // With the system libraries, blocks compress on libuv's thread pool, at most pool.threads at
  // once, and the pool's worker threads are never started; otherwise (fallback codecs) in the
  // pool. Threads 0: on this thread, through the pool's same-thread mode.
  // When libuv's pool is no larger than pool.threads (the bin/nixwrt launcher sizes it so for mksquashfs), the
  // pool itself caps the compressions at once, and as many blocks again wait in its queue: a
  // thread that finishes a block starts the next at once, without a round trip through this
  // thread (two thread wake-ups per block, costly on a VM).
  const uvThreads = Number(process.env.UV_THREADPOOL_SIZE) || 4; // libuv's default
  const native = pool.threads > 0 && usesSysLib(opts.comp) ? createLimiter(pool.threads >= uvThreads ? pool.threads * 2 : pool.threads) : undefined;
  /** `key`: the block's cache key (from its digest), when there is a cache. */
  const compress = async (bytes: () => Uint8Array, mayTransfer: boolean, key?: string): Promise<BlockOut> => {
    if (opts.comp.comp === 'none') return { sparse: false, data: bytes(), compressed: false };
    if (key) {
      const hit = await cache!.get(key);
      if (hit) return { sparse: false, ...hit };
    }
    const data = bytes();
    let r: CachedBlock;
    if (native) {
      // The library reads `data` in place: nothing is copied or moved to compress it.
      const c = await native(() => compressBlockNative(opts.comp, data, blockSize)!);
      r = c ? { data: c, compressed: true } : { data, compressed: false };
    } else {
      const own = mayTransfer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
      r = await pool.run('squashfs.compress', { settings: opts.comp, data: own, blockSize }, [own.buffer as ArrayBuffer]);
    }
    if (key) await cache!.put(key, r);
    return { sparse: false, data: r.data, compressed: r.compressed };
  };
  // With a cache every non-empty content has digests (digestsOf), so every block is named.
  const blockKey = (b: Block) => (cache && b.digest ? `${hex(b.digest)}:${cacheKey}` : undefined);

  // Blocks in flight, in output order. Each entry is written when it reaches the head.
  const maxInFlight = Math.max(4, pool.threads * 3);
  const fifo: Array<{ out: Promise<BlockOut>; size: number; done: (start: number, word: number) => void }> = [];
  const drainOne = async () => {
    const it = fifo.shift()!;
    const r = await it.out;
    progress(it.size);
    const start = sink.pos;
    if (r.sparse) return it.done(start, 0);
    await sink.write(r.data);
    it.done(start, r.compressed ? r.data.length : r.data.length | DATA_RAW);
  };
  const push = async (out: Promise<BlockOut>, size: number, done: (start: number, word: number) => void) => {
    // Never leave a rejected promise unobserved while it waits in the queue.
    out.catch(() => undefined);
    fifo.push({ out, size, done });
    while (fifo.length > maxInFlight) await drainOne();
  };

  // Two open fragment blocks, as mksquashfs: one for whole small files, one for tail ends.
  // Members are kept as blocks: a fragment found in the cache never reads them.
  type Frag = { index: number; size: number; members: Block[] };
  const open: { small?: Frag; tail?: Frag } = {};
  const flushFragment = async (which: 'small' | 'tail') => {
    const f = open[which];
    open[which] = undefined;
    if (!f || f.size === 0) return;
    const bytes = () => {
      const buf = new Uint8Array(f.size);
      let at = 0;
      for (const m of f.members) {
        buf.set(m.bytes(), at);
        at += m.length;
      }
      return buf;
    };
    // Keyed on the members' digests in order (they are the fragment's bytes).
    const named = cache && f.members.every((m) => m.digest);
    const key = named ? `frag:${hex(createHash('sha256').update(Buffer.concat(f.members.map((m) => m.digest!))).digest())}:${cacheKey}` : undefined;
    await push(compress(bytes, true, key), f.size, (start, word) => {
      fragments[f.index] = { start, sizeWord: word };
    });
  };
  const addFragment = async (fd: FileData, block: Block, which: 'small' | 'tail') => {
    const cur = open[which];
    if (cur && cur.size + block.length > blockSize) await flushFragment(which);
    if (!open[which]) {
      open[which] = { index: fragments.length, size: 0, members: [] };
      fragments.push({ start: 0, sizeWord: 0 });
    }
    const f = open[which]!;
    fd.fragment = f.index;
    fd.fragOffset = f.size;
    f.members.push(block);
    f.size += block.length;
  };

  for (const p of order) {
    if (p.node.type !== 'file') continue;
    const src = p.node.content;
    const size = contentSize(src);
    const fd: FileData = { blocksStart: 0, blockSizes: [], fragment: INVALID_FRAG, fragOffset: 0, sparse: 0 };
    files.set(p, fd);
    if (size === 0 || dupOf.has(p)) continue;
    const tailToFragment = opts.fragments && (size < blockSize || (opts.alwaysFragments && size % blockSize !== 0));
    const fullBlocks = tailToFragment ? Math.floor(size / blockSize) : Math.ceil(size / blockSize);
    const holes = src.kind === 'host-file' && src.diskBytes !== undefined && src.diskBytes < size;
    const d = digests?.get(src);
    const keys = parts?.get(p);
    const tail = async (block: Block) => {
      const shared = keys?.tail === undefined ? undefined : tailOwner.get(keys.tail);
      if (shared) {
        fd.fragment = shared.fragment;
        fd.fragOffset = shared.fragOffset;
        progress(block.length);
        return;
      }
      await addFragment(fd, block, size < blockSize ? 'small' : 'tail');
      fragSizes.add(block.length);
      if (keys?.tail !== undefined) tailOwner.set(keys.tail, { fragment: fd.fragment, fragOffset: fd.fragOffset });
    };
    const owner = keys?.blocks === undefined || keys.tailZero ? undefined : blocksOwner.get(keys.blocks);
    if (owner) {
      // The same whole blocks as an earlier file: only the tail (a fragment) is new, if that.
      blocksFrom.set(fd, { from: owner, holes, size: fullBlocks * blockSize, sameFile: false });
      progress(fullBlocks * blockSize);
      const t = size - fullBlocks * blockSize;
      if (t > 0) await tail({ length: t, digest: d?.[fullBlocks], zero: false, bytes: () => readRange(src, size - t, t), own: src.kind !== 'bytes' });
      continue;
    }
    if (keys?.blocks !== undefined && !keys.tailZero) blocksOwner.set(keys.blocks, fd);
    const zkey = zeroLast?.get(p);
    const zowner = zkey === undefined ? undefined : blocksOwner.get(zkey);
    if (zowner) {
      blocksFrom.set(fd, { from: zowner, holes, size, sameFile: false });
      progress(size);
      continue;
    }
    if (zkey !== undefined) blocksOwner.set(zkey, fd);
    const blocks = d ? namedBlocks(src, size, blockSize, d) : readBlocks(src, size, blockSize);
    let i = 0;
    let first = true;
    for (const block of blocks) {
      // An all-zero tail is a sparse block, not a fragment (as mksquashfs).
      if (i >= fullBlocks && !block.zero) {
        await tail(block);
        break;
      }
      if (size < blockSize && block.zero && opts.fragments && opts.dedup) {
        // An all-zero small file (one sparse block): mksquashfs looks for a duplicate only when
        // a fragment of its length was stored before, and then takes the last such file stored
        // (of any length) for it; otherwise it is stored anew (its own block start).
        if (smallZero && fragSizes.has(size)) {
          blocksFrom.set(fd, { from: smallZero.fd, holes, size, sameFile: smallZero.size === size });
          progress(size);
          break;
        }
        smallZero = { fd, size };
      }
      const slot = i++;
      fd.blockSizes.push(0);
      const isFirst = first;
      const len = block.length;
      first = false;
      const done = (start: number, word: number) => {
        if (isFirst) fd.blocksStart = start;
        fd.blockSizes[slot] = word;
        if (word === 0 && holes) fd.sparse += len;
      };
      if (block.zero) await push(Promise.resolve({ sparse: true }), len, done);
      else await push(compress(block.bytes, block.own, blockKey(block)), len, done);
    }
  }
  await flushFragment('small');
  await flushFragment('tail');
  while (fifo.length > 0) await drainOne();
  for (const [fd, { from, holes, size, sameFile }] of blocksFrom) {
    fd.blocksStart = from.blocksStart;
    fd.blockSizes = from.blockSizes;
    // Its own sparse count (of the same blocks, its own last length), as mksquashfs's partial duplicates.
    let sparse = 0;
    if (holes) from.blockSizes.forEach((w, i) => (sparse += w === 0 ? Math.min(blockSize, size - i * blockSize) : 0));
    fd.sparse = sameFile ? from.sparse : sparse;
  }
  for (const [dup, orig] of dupOf) files.set(dup, { ...files.get(orig)! });
  return { files, fragments };
}
