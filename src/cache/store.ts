/**
 * The content-addressed artefact cache: <cacheDir>/artefacts/<k0k1>/<key>.
 * An entry is MAGIC, the SHA-256 of the payload, then the payload; `get` checks that hash on
 * every use and treats a damaged entry as a miss (and removes it), so the caller rebuilds it.
 * Writes are temp + rename (writeFileAtomic): concurrent builds may race to write the same key,
 * and both write the same bytes, so no lock is needed.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { appendFile, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { CacheError } from './errors.js';

const MAGIC = Buffer.from('NWA1');
const HEADER = MAGIC.length + 32;
const KEY = /^[0-9a-f]{64}$/;
/** How fresh a use mark must be to be left as it is (gc's notion of recent use is this coarse). */
const USE_GRAIN_MS = 10 * 60 * 1000;

export interface CacheStats {
  hits: number;
  misses: number;
  damaged: number;
  puts: number;
}

export interface EntryInfo {
  key: string;
  path: string;
  size: number;
  mtimeMs: number;
}

export class ArtefactStore {
  readonly dir: string;
  readonly stats: CacheStats = { hits: 0, misses: 0, damaged: 0, puts: 0 };
  private pending = new Set<Promise<void>>();
  /** Bytes of the entries this store object wrote (for `trim`'s running total). */
  private bytesPut = 0;
  private failure: unknown;

  constructor(cacheDir: string) {
    this.dir = join(cacheDir, 'artefacts');
  }

  pathOf(key: string): string {
    if (!KEY.test(key)) throw new CacheError('bad-key', `not an artefact key (64 hex digits): ${key}`);
    return join(this.dir, key.slice(0, 2), key);
  }

  /** The payload, or undefined on a miss or a damaged entry (removed). Marks the entry used. */
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.getSync(key);
  }

  /**
   * `get`, synchronously: entries are small (a squashfs block, a kernel image) and a warm build
   * reads dozens of them, where four thread-pool round trips each cost more than the reads; the
   * squashfs metadata writer needs an answer without awaiting.
   */
  getSync(key: string): Uint8Array | undefined {
    const path = this.pathOf(key);
    let bytes: Buffer;
    let mtimeMs: number;
    try {
      const fd = openSync(path, 'r');
      try {
        mtimeMs = fstatSync(fd).mtimeMs;
        bytes = readFileSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      this.stats.misses++;
      return undefined;
    }
    const payload = decodeEntry(bytes);
    if (!payload) {
      this.stats.damaged++;
      this.stats.misses++;
      rmSync(path, { force: true });
      return undefined;
    }
    this.stats.hits++;
    // gc removes the least recently used first: a hit counts as a use. Marking it costs a
    // syscall per entry, so an entry used within the last USE_GRAIN_MS keeps its mark.
    if (Date.now() - mtimeMs > USE_GRAIN_MS) {
      const now = new Date();
      try {
        utimesSync(path, now, now);
      } catch {
        // Removed meanwhile by a concurrent gc: the payload in hand is still good.
      }
    }
    return payload;
  }

  async put(key: string, payload: Uint8Array): Promise<void> {
    this.stats.puts++;
    this.bytesPut += HEADER + payload.length;
    // No fsync: every get checks the entry's hash, so one torn by a crash is a miss, not wrong bytes.
    await writeFileAtomic(this.pathOf(key), [encodeHeader(payload), payload], { durable: false });
  }

  /** Start a put without waiting; `flush()` waits for all of them and rethrows the first failure. */
  putLater(key: string, payload: Uint8Array): void {
    const p = this.put(key, payload).catch((err: unknown) => {
      this.failure ??= err;
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      throw err;
    }
  }

  /** Every entry, in no particular order (temp files of unfinished writes are skipped). */
  async entries(): Promise<EntryInfo[]> {
    const out: EntryInfo[] = [];
    let shards: string[];
    try {
      shards = await readdir(this.dir);
    } catch {
      return out;
    }
    for (const shard of shards) {
      let names: string[];
      try {
        names = await readdir(join(this.dir, shard));
      } catch {
        continue;
      }
      for (const name of names) {
        if (!KEY.test(name) || name.slice(0, 2) !== shard) continue;
        const path = join(this.dir, shard, name);
        const st = await stat(path).catch(() => undefined);
        if (st?.isFile()) out.push({ key: name, path, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
    return out;
  }

  /** Check every entry's hash; damaged ones are listed and, with `remove`, deleted. */
  async verify(opts: { remove?: boolean } = {}): Promise<{ checked: number; damaged: EntryInfo[] }> {
    const all = await this.entries();
    const damaged: EntryInfo[] = [];
    for (const e of all) {
      const bytes = await readFile(e.path).catch(() => undefined);
      if (bytes && decodeEntry(bytes)) continue;
      damaged.push(e);
      if (opts.remove) await rm(e.path, { force: true });
    }
    return { checked: all.length, damaged };
  }

  /**
   * Keep the cache at most `maxSize` bytes without listing it on every build: <dir>/.size is a
   * running total, the size found by the last full scan followed by one line per build since
   * with the bytes it wrote (appends, so concurrent builds lose none). Only when that estimate
   * is over the limit (or there is no total yet) does this scan and gc; the estimate never
   * undercounts writes, only overwrites and removals, which a scan then corrects.
   * Returns the gc result, or undefined when no scan was needed.
   */
  async trim(maxSize: number): Promise<{ before: number; after: number; removed: number } | undefined> {
    const file = join(this.dir, '.size');
    const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
    const known = lines.length > 0 && lines.every((l) => /^\d+$/.test(l));
    const estimate = lines.reduce((a, l) => a + Number(l), 0) + this.bytesPut;
    if (known && estimate <= maxSize) {
      if (this.bytesPut > 0) await appendFile(file, `${this.bytesPut}\n`);
      this.bytesPut = 0;
      return undefined;
    }
    const r = await this.gc(maxSize);
    await writeFileAtomic(file, Buffer.from(`${r.after}\n`), { durable: false });
    this.bytesPut = 0;
    return r;
  }

  /** Remove least recently used entries until the total is at most `maxSize` bytes. */
  async gc(maxSize: number): Promise<{ before: number; after: number; removed: number }> {
    if (!Number.isSafeInteger(maxSize) || maxSize < 0) throw new CacheError('bad-size', `not a size in bytes: ${maxSize}`);
    const all = (await this.entries()).sort((a, b) => a.mtimeMs - b.mtimeMs || a.key.localeCompare(b.key));
    const before = all.reduce((s, e) => s + e.size, 0);
    let total = before;
    let removed = 0;
    for (const e of all) {
      if (total <= maxSize) break;
      await rm(e.path, { force: true });
      total -= e.size;
      removed++;
    }
    return { before, after: total, removed };
  }
}

function encodeHeader(payload: Uint8Array): Buffer {
  return Buffer.concat([MAGIC, createHash('sha256').update(payload).digest()]);
}

function decodeEntry(bytes: Buffer): Uint8Array | undefined {
  if (bytes.length < HEADER || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const payload = bytes.subarray(HEADER);
  const sum = createHash('sha256').update(payload).digest();
  return sum.equals(bytes.subarray(MAGIC.length, HEADER)) ? payload : undefined;
}
