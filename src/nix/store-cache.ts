import { readFileSync } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { formatHashNix32, hashEquals, parseHash } from './hash.js';
import { hashFile, markNarProven, removeCorruptNar } from './nar-proof.js';
import { parseNarInfo } from './narinfo.js';
import type { NarListingEntry } from './nar/listing.js';
import { parsePublicKey, verifyNarInfo } from './signature.js';
import { STORE_DIR, storePathHashPart } from './store-path.js';

/**
 * The local store cache: verified, uncompressed NARs plus one JSON index entry per path.
 *   <cacheDir>/nar/<hash>.nar    the NAR, renamed into place only after NarHash/NarSize matched
 *   <cacheDir>/info/<hash>.json  CachedPath data + the signed narinfo; written after the NAR
 *   <cacheDir>/tmp/              downloads in progress (per process, random names)
 * Every file appears by atomic rename and identical content replaces identical content,
 * so processes sharing a cache never see a partial entry and need no lock.
 *
 * Durability without an fsync per file (Nix does not fsync store files either): on Linux an
 * entry records the boot it was written in (`bootId`). A process crash loses nothing (the page
 * cache survives it); only a system crash can leave a renamed file short or empty, and after
 * one the boot id differs, so such an entry's NAR is hashed against its NarHash before it is
 * trusted (once: a good entry is then rewritten without `bootId`). Without a boot id
 * (elsewhere), NARs and index files are fsynced before their rename, as before.
 */
export type { NarListingEntry } from './nar/listing.js';
export { fetchClosure, type FetchOptions, type FetchProgress } from './closure.js';

export interface CachedPath {
  storePath: string;
  /** Absolute path of the uncompressed, verified NAR. */
  narPath: string;
  /** `sha256:<nix32>`. */
  narHash: string;
  narSize: number;
  /** Full store paths. */
  references: string[];
  listing: NarListingEntry;
}

interface InfoFile {
  version: 1;
  storePath: string;
  narHash: string;
  narSize: number;
  references: string[];
  narinfo: string;
  listing: NarListingEntry;
  /** Written without fsync during this boot (see above); absent once known durable. */
  bootId?: string;
}

let bootIdCache: string | null | undefined;

/** This boot's id (Linux), or null: then cache entries are fsynced instead. */
export function currentBootId(): string | null {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache;
}

export { defaultCacheDir } from '../util/cache-dir.js';

export function cachedNarPath(cacheDir: string, storePath: string): string {
  return join(cacheDir, 'nar', `${storePathHashPart(storePath)}.nar`);
}

function infoPath(cacheDir: string, storePath: string): string {
  return join(cacheDir, 'info', `${storePathHashPart(storePath)}.json`);
}

/**
 * An already-cached path, without network; null when absent or incomplete. With
 * `trustedPublicKeys`, the stored narinfo must also carry a signature by one of them.
 */
export async function openCachedPath(
  storePath: string,
  opts: { cacheDir: string; trustedPublicKeys?: string[] },
): Promise<CachedPath | null> {
  let info: InfoFile;
  try {
    info = JSON.parse(await readFile(infoPath(opts.cacheDir, storePath), 'utf8')) as InfoFile;
  } catch {
    return null;
  }
  if (info.version !== 1 || info.storePath !== storePath) return null;
  const narPath = cachedNarPath(opts.cacheDir, storePath);
  try {
    if ((await stat(narPath)).size !== info.narSize) return null;
  } catch {
    return null;
  }
  if (info.bootId !== undefined && info.bootId !== currentBootId() && !(await survivedReboot(opts.cacheDir, info, narPath))) return null;
  if (opts.trustedPublicKeys && opts.trustedPublicKeys.length > 0) {
    try {
      const ni = parseNarInfo(info.narinfo);
      if (!hashEquals(ni.narHash, parseHash(info.narHash)) || ni.narSize !== info.narSize || ni.storePath !== storePath) return null;
      if (verifyNarInfo(ni, opts.trustedPublicKeys.map(parsePublicKey)).length === 0) return null;
    } catch {
      return null;
    }
  }
  return {
    storePath,
    narPath,
    narHash: info.narHash,
    narSize: info.narSize,
    references: info.references,
    listing: info.listing,
  };
}

/**
 * An entry written without fsync before the last system crash: its NAR must still hash to its
 * NarHash. If it does, the NAR is on disk for good; the index file is rewritten without the
 * boot id (best effort: a read-only cache just checks again next time).
 */
async function survivedReboot(cacheDir: string, info: InfoFile, narPath: string): Promise<boolean> {
  const h = createHash('sha256');
  const fh = await open(narPath, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
    await fh.sync().catch(() => undefined);
  } finally {
    await fh.close();
  }
  if (!hashEquals({ algo: 'sha256', digest: h.digest() }, parseHash(info.narHash))) return false;
  markNarProven(narPath, formatHashNix32(parseHash(info.narHash)));
  const { bootId: _b, ...durable } = info;
  await writeFileAtomic(infoPath(cacheDir, info.storePath), Buffer.from(JSON.stringify(durable))).catch(() => undefined);
  return true;
}

/**
 * Record a verified NAR (already renamed to cachedNarPath) in the index. With `bootId` (the
 * NAR was not fsynced, see above) the index file is not fsynced either: a torn one does not
 * parse, and is a miss.
 */
export async function writeCacheIndex(
  cacheDir: string,
  entry: Omit<CachedPath, 'narPath'> & { narinfo: string; bootId?: string },
): Promise<CachedPath> {
  const file: InfoFile = { version: 1, ...entry };
  file.narHash = formatHashNix32(parseHash(entry.narHash));
  // prepareCacheDir() made info/ before any download.
  await writeFileAtomic(infoPath(cacheDir, entry.storePath), Buffer.from(JSON.stringify(file)), { durable: entry.bootId === undefined, parentExists: true });
  const { narinfo: _n, bootId: _b, ...rest } = entry;
  return { ...rest, narPath: cachedNarPath(cacheDir, entry.storePath) };
}

export function referencePaths(refs: string[]): string[] {
  return refs.map((r) => `${STORE_DIR}/${r}`);
}

export interface DamagedNar {
  storePath: string;
  narPath: string;
  reason: string;
}

/**
 * Check every cached NAR against its index entry: present, NarSize bytes, NarHash. Damaged
 * ones are listed and, with `remove`, deleted with their index entry (the next fetch downloads
 * them again). Index entries that do not parse count as damaged too.
 */
export async function verifyStoreCache(cacheDir: string, opts: { remove?: boolean } = {}): Promise<{ checked: number; damaged: DamagedNar[] }> {
  const names = (await readdir(join(cacheDir, 'info')).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  const damaged: DamagedNar[] = [];
  for (const name of names) {
    const narPath = join(cacheDir, 'nar', name.replace(/\.json$/, '.nar'));
    let info: InfoFile | undefined;
    try {
      info = JSON.parse(await readFile(join(cacheDir, 'info', name), 'utf8')) as InfoFile;
    } catch {
      info = undefined;
    }
    const storePath = typeof info?.storePath === 'string' ? info.storePath : name;
    let reason: string | undefined;
    if (!info || info.version !== 1 || typeof info.narHash !== 'string') reason = 'index entry does not parse';
    else {
      try {
        const { hasher, size } = await hashFile(narPath);
        const got = { algo: 'sha256' as const, digest: hasher.digest() };
        if (size !== info.narSize) reason = `${size} bytes, NarSize is ${info.narSize}`;
        else if (!hashEquals(got, parseHash(info.narHash))) reason = `hashes to ${formatHashNix32(got)}, NarHash is ${info.narHash}`;
      } catch (err) {
        reason = `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
      }
    }
    if (reason === undefined) continue;
    damaged.push({ storePath, narPath, reason });
    if (opts.remove) removeCorruptNar(narPath);
  }
  return { checked: names.length, damaged };
}
