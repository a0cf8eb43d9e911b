import { FetchError, NixFormatError } from './errors.js';
import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchVerifiedNar, prepareCacheDir } from './fetch.js';
import type { FetchThreads } from './fetch-threads.js';
import { exists, outPathFor } from './restore.js';
import { createLimiter } from './limit.js';
import { markNarProven } from './nar-proof.js';
import { trackOutStore } from './temp-files.js';
import { compressionOf, parseNarInfo, type NarInfo } from './narinfo.js';
import { isCompression } from './decompress.js';
import { parsePublicKey, verifyNarInfoAsync, type PublicKey } from './signature.js';
import { openCachedPath, referencePaths, type CachedPath } from './store-cache.js';
import { STORE_DIR, storePathHashPart } from './store-path.js';
import { openSubstituter, type HttpOptions, type LowSpeed } from './substituter/index.js';
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from './substituter/retry.js';
import type { Substituter } from './substituter/types.js';

export type FetchProgress =
  | { type: 'cached'; storePath: string; narSize: number }
  | { type: 'found'; storePath: string; url: string; narSize: number; fileSize?: number }
  | { type: 'bytes'; storePath: string; fileBytes: number; narBytes: number }
  | { type: 'fetched'; storePath: string; narSize: number }
  | { type: 'retry'; storePath?: string; url: string; attempt: number; error: string }
  | { type: 'substituter-skipped'; url: string; error: string };

export interface FetchOptions {
  /** Tried in order of their nix-cache-info Priority (lower first), then as given. */
  substituters: string[];
  trustedPublicKeys: string[];
  cacheDir: string;
  /** Narinfo lookups and downloads in flight, each (default 25, like Nix's connections). */
  jobs?: number;
  onProgress?: (e: FetchProgress) => void;
  retry?: RetryPolicy;
  /** HTTP idle timeout per request. */
  idleTimeoutMs?: number;
  /** Slowest HTTP transfer accepted before it is retried (default 1 KiB/s over 30 s). */
  lowSpeed?: LowSpeed;
  signal?: AbortSignal;
  /**
   * Also unpack downloaded paths under `<outDir>/nix/store` while they stream (each renamed
   * into place once verified). Paths that were already cached are not unpacked here: call
   * writeClosure() afterwards, which skips what is already there.
   */
  outDir?: string;
  /**
   * Download, verify and write NARs on this many worker threads (fetch-threads.ts), started
   * right away so that they load while narinfos are looked up; 0 (the default) does it all on
   * the calling thread. Same checks and results either way.
   */
  threads?: number;
}

interface Found {
  sub: Substituter;
  info: NarInfo;
  text: string;
}

/**
 * Fetch the closure of `roots` into the local store cache and return every path of it.
 * Breadth-first over References, each path once; narinfo signatures are checked before any
 * download; downloads are verified (see fetch.ts). Paths already cached need no network.
 * The first failure aborts the rest and is thrown, naming the store path, URL and cause.
 */
export async function fetchClosure(roots: string[], opts: FetchOptions): Promise<Map<string, CachedPath>> {
  const keys = opts.trustedPublicKeys.map(parsePublicKey);
  const jobs = Math.max(1, opts.jobs ?? 25);
  const retry = opts.retry ?? DEFAULT_RETRY;
  const ctl = new AbortController();
  const onOuterAbort = (): void => ctl.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const signal = ctl.signal;
  setMaxListeners(0, signal); // one listener per request in flight (up to `jobs` per kind)
  const progress = opts.onProgress ?? (() => undefined);
  const httpOpts = { maxSockets: jobs, idleTimeoutMs: opts.idleTimeoutMs, lowSpeed: opts.lowSpeed };
  const subs = new SubstituterSet(opts.substituters, httpOpts, retry, signal, progress);
  const nThreads = Math.max(0, Math.floor(opts.threads ?? 0));
  const pool: { threads?: FetchThreads } = {};
  // Each thread's substituter gets its share of the connections.
  const threadHttp = { ...httpOpts, maxSockets: Math.max(1, Math.ceil(jobs / Math.max(1, nThreads))) };

  const result = new Map<string, CachedPath>();
  const seen = new Set<string>();
  const pending: Array<Promise<void>> = [];
  const lookups = createLimiter(jobs);
  const downloads = createLimiter(jobs);
  let failure: unknown;
  const fail = (err: unknown): void => {
    if (failure === undefined) failure = err;
    ctl.abort();
  };

  const visit = (storePath: string, referrer?: string): void => {
    if (seen.has(storePath)) return;
    seen.add(storePath);
    pending.push(lookups(() => resolve(storePath, referrer)).catch(fail));
  };

  const resolve = async (storePath: string, referrer?: string): Promise<void> => {
    if (signal.aborted) return;
    const cached = await openCachedPath(storePath, { cacheDir: opts.cacheDir, trustedPublicKeys: opts.trustedPublicKeys });
    if (cached) {
      result.set(storePath, cached);
      progress({ type: 'cached', storePath, narSize: cached.narSize });
      for (const r of cached.references) visit(r, storePath);
      return;
    }
    const found = await subs.lookup(storePath, keys, referrer);
    progress({ type: 'found', storePath, url: found.sub.url, narSize: found.info.narSize, fileSize: found.info.fileSize });
    for (const r of referencePaths(found.info.references)) visit(r, storePath);
    pending.push(
      downloads(async () => {
        if (signal.aborted) return;
        const dest = opts.outDir ? outPathFor(opts.outDir, storePath) : undefined;
        const outDest = dest && !(await exists(dest)) ? dest : undefined;
        const onBytes = opts.onProgress && ((fileBytes: number, narBytes: number) => progress({ type: 'bytes', storePath, fileBytes, narBytes }));
        const onRetry = (attempt: number, err: unknown): void =>
          progress({ type: 'retry', storePath, url: found.sub.url, attempt, error: (err as Error).message });
        const cp = pool.threads
          ? await pool.threads.fetch(
              { subUrl: found.sub.url, httpOpts: threadHttp, info: found.info, narinfoText: found.text, cacheDir: opts.cacheDir, outDest, retry },
              { signal, onBytes, onRetry },
            )
          : await fetchVerifiedNar(found.sub, found.info, found.text, { cacheDir: opts.cacheDir, outDest, retry, signal, onBytes, onRetry });
        // Hashed as it arrived (on a worker thread too): no need to read it again for a proof.
        markNarProven(cp.narPath, cp.narHash);
        result.set(storePath, cp);
        progress({ type: 'fetched', storePath, narSize: cp.narSize });
      }).catch(fail),
    );
  };

  try {
    // Loaded only when used: node:worker_threads costs start-up time.
    if (nThreads > 0) pool.threads = new (await import('./fetch-threads.js')).FetchThreads(nThreads);
    await prepareCacheDir(opts.cacheDir);
    if (opts.outDir) {
      await mkdir(join(opts.outDir, 'nix', 'store'), { recursive: true });
      trackOutStore(join(opts.outDir, 'nix', 'store'));
    }
    for (const r of roots) {
      storePathHashPart(r);
      visit(r);
    }
    // Work discovered while waiting is appended to `pending`; wait until nothing is left.
    for (let done = 0; done < pending.length; ) {
      const batch = pending.slice(done);
      await Promise.all(batch);
      done += batch.length;
    }
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
    subs.close();
    await pool.threads?.close();
  }
  if (failure !== undefined) throw failure;
  return new Map([...result].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Substituters opened lazily (an all-cached run touches no network), in priority order. */
class SubstituterSet {
  private ordered: Promise<Array<{ sub: Substituter; priority: number }>> | null = null;
  private readonly opened: Substituter[] = [];
  private readonly skipped: string[] = [];

  constructor(
    private readonly urls: string[],
    private readonly httpOpts: HttpOptions,
    private readonly retry: RetryPolicy,
    private readonly signal: AbortSignal,
    private readonly progress: (e: FetchProgress) => void,
  ) {}

  private open(): Promise<Array<{ sub: Substituter; priority: number }>> {
    this.ordered ??= (async () => {
      const all = await Promise.all(
        this.urls.map(async (url, index) => {
          const sub = openSubstituter(url, this.httpOpts);
          this.opened.push(sub);
          let info;
          try {
            info = await withRetries(() => sub.cacheInfo(this.signal), this.retry, this.signal);
          } catch (err) {
            if (this.signal.aborted) throw err;
            // Nix disables an unreachable substituter and goes on with the others.
            const why = (err as Error).message;
            const msg = why.includes(`${url}/nix-cache-info`) ? why : `${url}/nix-cache-info: ${why}`;
            this.skipped.push(msg);
            this.progress({ type: 'substituter-skipped', url, error: msg });
            return null;
          }
          if (info?.storeDir !== undefined && info.storeDir !== STORE_DIR) {
            throw new FetchError('store-dir', `${url} is a cache for store ${info.storeDir}, not ${STORE_DIR}`);
          }
          return { sub, priority: info?.priority ?? 50, index };
        }),
      );
      return all
        .filter((x): x is NonNullable<typeof x> => x !== null)
        .sort((a, b) => a.priority - b.priority || a.index - b.index);
    })();
    return this.ordered;
  }

  /** The first substituter's narinfo whose signature verifies; nothing is downloaded before. */
  async lookup(storePath: string, keys: PublicKey[], referrer?: string): Promise<Found> {
    const hash = storePathHashPart(storePath);
    const subs = await this.open();
    // After open(): the first lookups name why a substituter was skipped too.
    const notes: string[] = [...this.skipped];
    let untrusted = false;
    for (const { sub } of subs) {
      const url = `${sub.url}/${hash}.narinfo`;
      let text: string | null;
      try {
        text = await withRetries(() => sub.narinfo(hash, this.signal), this.retry, this.signal, (attempt, err) =>
          this.progress({ type: 'retry', storePath, url, attempt, error: (err as Error).message }),
        );
      } catch (err) {
        if (err instanceof FetchError) throw new FetchError(err.code, `looking up ${storePath}: ${err.message}`, { cause: err });
        throw err;
      }
      if (text === null) {
        notes.push(`${url}: not found`);
        continue;
      }
      let info: NarInfo;
      try {
        info = parseNarInfo(text, url);
      } catch (err) {
        if (err instanceof NixFormatError) throw new FetchError('http', `looking up ${storePath}: ${err.message}`, { cause: err });
        throw err;
      }
      if (info.storePath !== storePath) {
        throw new FetchError('http', `looking up ${storePath}: ${url} describes ${info.storePath} instead`);
      }
      if ((await verifyNarInfoAsync(info, keys)).length === 0) {
        untrusted = true;
        const names = info.sigs.map((s) => s.slice(0, s.indexOf(':'))).join(', ') || 'none';
        notes.push(`${url}: no valid signature by a trusted key (signed by: ${names})`);
        continue;
      }
      if (!isCompression(compressionOf(info))) {
        throw new FetchError('decompress', `looking up ${storePath}: ${url} uses unsupported compression ${compressionOf(info)}`);
      }
      return { sub, info, text };
    }
    const what = referrer ? `${storePath} (a reference of ${referrer})` : storePath;
    if (notes.length === 0) notes.push('no substituters');
    // Every substituter unreachable: a network fault, not a missing path.
    const code = untrusted ? 'untrusted' : subs.length === 0 && this.skipped.length > 0 ? 'network' : 'not-found';
    throw new FetchError(code, `${what}: ${notes.join('; ')}`);
  }

  close(): void {
    for (const s of this.opened) s.close();
  }
}
