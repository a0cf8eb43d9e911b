import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { formatHashNix32, hashEquals, parseHash } from './hash.js';
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

/** Record a verified NAR (already renamed to cachedNarPath) in the index. */
export async function writeCacheIndex(
  cacheDir: string,
  entry: Omit<CachedPath, 'narPath'> & { narinfo: string },
): Promise<CachedPath> {
  const file: InfoFile = { version: 1, ...entry };
  file.narHash = formatHashNix32(parseHash(entry.narHash));
  await writeFileAtomic(infoPath(cacheDir, entry.storePath), Buffer.from(JSON.stringify(file)));
  const { narinfo: _n, ...rest } = entry;
  return { ...rest, narPath: cachedNarPath(cacheDir, entry.storePath) };
}

export function referencePaths(refs: string[]): string[] {
  return refs.map((r) => `${STORE_DIR}/${r}`);
}
