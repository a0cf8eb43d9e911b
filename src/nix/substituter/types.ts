/**
 * A substituter is a binary cache: `nix-cache-info`, `<hash>.narinfo` files and the NARs
 * they point at. Implementations only move bytes; verification happens in fetch.ts.
 */
export interface CacheInfo {
  storeDir?: string;
  wantMassQuery?: boolean;
  /** Lower is preferred; Nix's default is 50. */
  priority: number;
}

export interface Substituter {
  /** The base URL as given, without a trailing slash. */
  readonly url: string;
  /** `nix-cache-info`, or null when the cache has none. */
  cacheInfo(signal?: AbortSignal): Promise<CacheInfo | null>;
  /** The narinfo text, or null when this cache does not have the path (404, 403, no file). */
  narinfo(hashPart: string, signal?: AbortSignal): Promise<string | null>;
  /** Absolute URL of a narinfo's (usually relative) `URL:` field. */
  resolve(narUrl: string): string;
  /** The NAR file's bytes as they are stored (compressed). */
  nar(absUrl: string, signal?: AbortSignal): AsyncIterable<Uint8Array>;
  close(): void;
}

export function parseCacheInfo(text: string): CacheInfo {
  const info: CacheInfo = { priority: 50 };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'StoreDir') info.storeDir = value;
    else if (key === 'WantMassQuery') info.wantMassQuery = value === '1';
    else if (key === 'Priority' && /^[0-9]+$/.test(value)) info.priority = Number(value);
  }
  return info;
}
