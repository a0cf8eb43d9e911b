/**
 * Metadata blocks: 8 KiB of table data, each compressed on its own behind a u16 header
 * (bit 15 = stored raw). Used for the inode, directory, fragment, export and id tables.
 */
import { createHash } from 'node:crypto';
import { METADATA_RAW, METADATA_SIZE } from './format.js';
import { compressBlock, settingsKey, type CompressorSettings } from './compressor.js';
import type { MetadataCache } from './options.js';

/**
 * One metadata block with its header. With a cache, blocks are looked up by content and
 * settings: a warm build's tables are mostly the blocks of the last one.
 */
export function encodeMetadataBlock(data: Uint8Array, comp: CompressorSettings, raw: boolean, cache?: MetadataCache): Uint8Array {
  if (!cache || raw) return encode(data, comp, raw);
  const key = `meta:${createHash('sha256').update(data).digest('hex')}:${settingsKey(comp, METADATA_SIZE)}`;
  const hit = cache.get(key);
  if (hit && hit.length >= 2 && hit.length === 2 + (((hit[1]! & 0x7f) << 8) | hit[0]!)) return hit;
  const out = encode(data, comp, raw);
  cache.put(key, out);
  return out;
}

function encode(data: Uint8Array, comp: CompressorSettings, raw: boolean): Uint8Array {
  const c = raw ? null : compressBlock(comp, data, true);
  const body = c ?? data;
  const out = new Uint8Array(2 + body.length);
  out[0] = body.length & 0xff;
  out[1] = ((body.length >> 8) & 0x7f) | (c ? 0 : METADATA_RAW >> 8);
  out.set(body, 2);
  return out;
}

/** Appends bytes to a metadata table, emitting full 8 KiB blocks as they fill. */
export class MetadataWriter {
  private readonly blocks: Uint8Array[] = [];
  /** Compressed offset of each emitted block, relative to the table start. */
  readonly blockStarts: number[] = [];
  private size = 0;
  private pending = new Uint8Array(METADATA_SIZE * 2);
  private pendingLen = 0;

  constructor(
    private readonly comp: CompressorSettings,
    private readonly raw: boolean,
    private readonly cache?: MetadataCache,
  ) {}

  /** Where the next appended byte lands: compressed block offset and offset inside it. */
  position(): { block: number; offset: number } {
    this.flushFull();
    return { block: this.size, offset: this.pendingLen };
  }

  /** Number of blocks emitted so far. */
  get blockCount(): number {
    return this.blocks.length;
  }

  /** Compressed start of block number `i` (the next block's start if not yet emitted). */
  blockStart(i: number): number {
    return i < this.blockStarts.length ? this.blockStarts[i]! : this.size;
  }

  append(bytes: Uint8Array): void {
    if (this.pendingLen + bytes.length > this.pending.length) {
      const bigger = new Uint8Array(Math.max(this.pending.length * 2, this.pendingLen + bytes.length));
      bigger.set(this.pending.subarray(0, this.pendingLen));
      this.pending = bigger;
    }
    this.pending.set(bytes, this.pendingLen);
    this.pendingLen += bytes.length;
  }

  flushFull(): void {
    let at = 0;
    while (this.pendingLen - at >= METADATA_SIZE) {
      this.emit(this.pending.subarray(at, at + METADATA_SIZE));
      at += METADATA_SIZE;
    }
    if (at > 0) {
      this.pending.copyWithin(0, at, this.pendingLen);
      this.pendingLen -= at;
    }
  }

  private emit(data: Uint8Array): void {
    const block = encodeMetadataBlock(data, this.comp, this.raw, this.cache);
    this.blockStarts.push(this.size);
    this.blocks.push(block);
    this.size += block.length;
  }

  /** Emit everything, including a final partial block, and return the table's blocks. */
  finish(): Uint8Array[] {
    this.flushFull();
    if (this.pendingLen > 0) this.emit(this.pending.slice(0, this.pendingLen));
    this.pendingLen = 0;
    return this.blocks;
  }
}

/**
 * A lookup table (fragment, export, id): metadata blocks followed by an index of their
 * absolute u64 positions. Returns the blocks and index, and where the index starts.
 */
export function encodeLookupTable(
  data: Uint8Array,
  at: number,
  comp: CompressorSettings,
  raw: boolean,
  cache?: MetadataCache,
): { parts: Uint8Array[]; indexStart: number; end: number } {
  const parts: Uint8Array[] = [];
  const starts: number[] = [];
  let pos = at;
  for (let i = 0; i < data.length; i += METADATA_SIZE) {
    const block = encodeMetadataBlock(data.subarray(i, Math.min(data.length, i + METADATA_SIZE)), comp, raw, cache);
    starts.push(pos);
    parts.push(block);
    pos += block.length;
  }
  const index = new Uint8Array(starts.length * 8);
  const dv = new DataView(index.buffer);
  starts.forEach((s, i) => dv.setBigUint64(i * 8, BigInt(s), true));
  const indexStart = pos;
  parts.push(index);
  return { parts, indexStart, end: pos + index.length };
}
