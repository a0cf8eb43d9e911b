/**
 * NAR downloads on worker threads. The main thread walks the closure, fetches and verifies
 * narinfos (the signature is checked before any download) and hands each verified narinfo to
 * one of N worker threads, which runs fetchVerifiedNar — download, decompress, NarHash/NarSize,
 * NAR parse, cache write and --out tree, renamed into place only when every check passed —
 * exactly as the main thread would, on its own event loop. The per-byte work of a fetch
 * (HTTP parsing, hashing, NAR parsing, file-system requests) then spreads over several
 * threads instead of queueing behind one JavaScript thread.
 *
 * Errors come back with their code, message (naming the store path, the URL and the cause)
 * and transient flag; an abort reaches the worker, which removes its temporary files before
 * it answers.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FetchError, NarError } from './errors.js';
import type { NarInfo } from './narinfo.js';
import type { CachedPath } from './store-cache.js';
import type { HttpOptions } from './substituter/http.js';
import type { RetryPolicy } from './substituter/retry.js';
import { packageRoot } from '../util/package-root.js';

export interface NarJob {
  subUrl: string;
  httpOpts: HttpOptions;
  info: NarInfo;
  narinfoText: string;
  cacheDir: string;
  outDest?: string;
  retry: RetryPolicy;
}

export type ThreadRequest =
  | ({ type: 'fetch'; id: number; wantBytes: boolean } & NarJob)
  | { type: 'abort'; id: number };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  transient?: boolean;
  kind: 'fetch' | 'nar' | 'abort' | 'other';
  cause?: string;
}

export type ThreadReply =
  | { type: 'ready' }
  | { type: 'bytes'; id: number; fileBytes: number; narBytes: number }
  | { type: 'retry'; id: number; attempt: number; message: string }
  | { type: 'done'; id: number; cached: CachedPath }
  | { type: 'error'; id: number; error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  const e = err instanceof Error ? err : new Error(String(err));
  const cause = e.cause instanceof Error ? e.cause.message : undefined;
  if (e instanceof FetchError) return { name: e.name, message: e.message, code: e.code, transient: e.transient, kind: 'fetch', cause };
  if (e instanceof NarError) return { name: e.name, message: e.message, code: e.code, kind: 'nar', cause };
  if (e.name === 'AbortError') return { name: e.name, message: e.message, kind: 'abort' };
  return { name: e.name, message: e.message, code: (e as NodeJS.ErrnoException).code, kind: 'other', cause };
}

/** The error as the main thread throws it: the same class, code, message and flag. */
export function deserializeError(s: SerializedError): Error {
  const cause = s.cause === undefined ? undefined : new Error(s.cause);
  if (s.kind === 'fetch') return new FetchError(s.code as FetchError['code'], s.message, { cause, transient: s.transient });
  if (s.kind === 'nar') return new NarError(s.code as NarError['code'], s.message, { cause });
  if (s.kind === 'abort') {
    const e = new Error(s.message);
    e.name = 'AbortError';
    return e;
  }
  const e: NodeJS.ErrnoException = new Error(s.message, { cause });
  e.name = s.name;
  if (s.code !== undefined) e.code = s.code;
  return e;
}

interface Pending {
  resolve: (c: CachedPath) => void;
  reject: (e: unknown) => void;
  onBytes?: (fileBytes: number, narBytes: number) => void;
  onRetry?: (attempt: number, err: unknown) => void;
}

interface Thread {
  worker: Worker;
  active: number;
  /** Requests sent to this worker and not answered yet. */
  pending: Map<number, Pending>;
}

/** The worker's entry is CommonJS (like the piscina pool's, see src/workers/entry.cts). */
function entryFile(): URL {
  return pathToFileURL(join(packageRoot(), 'dist', 'src', 'nix', 'fetch-thread-entry.cjs'));
}

export class FetchThreads {
  private readonly threads: Thread[] = [];
  private nextId = 1;
  private closed = false;

  /** Starts `n` worker threads at once (they load their modules while narinfos are fetched). */
  constructor(n: number) {
    for (let i = 0; i < n; i++) {
      const worker = new Worker(entryFile());
      const t: Thread = { worker, active: 0, pending: new Map() };
      worker.on('message', (m: ThreadReply) => this.onMessage(t, m));
      const failAll = (err: unknown): void => {
        for (const p of t.pending.values()) p.reject(err);
        t.pending.clear();
        t.active = 0;
      };
      worker.on('error', (err) => failAll(new FetchError('io', `fetch worker thread failed: ${err.message}`, { cause: err })));
      worker.on('exit', (code) => {
        if (t.pending.size > 0) failAll(new FetchError('io', `fetch worker thread exited (code ${code}) with downloads in flight`));
      });
      this.threads.push(t);
    }
  }

  get size(): number {
    return this.threads.length;
  }

  private onMessage(t: Thread, m: ThreadReply): void {
    if (m.type === 'ready') return;
    const p = t.pending.get(m.id);
    if (!p) return;
    if (m.type === 'bytes') p.onBytes?.(m.fileBytes, m.narBytes);
    else if (m.type === 'retry') p.onRetry?.(m.attempt, new Error(m.message));
    else {
      t.pending.delete(m.id);
      t.active--;
      if (m.type === 'done') p.resolve(m.cached);
      else p.reject(deserializeError(m.error));
    }
  }

  /**
   * fetchVerifiedNar on the least busy worker. The promise settles only when the worker has
   * finished with the path (on an abort too, after it removed its temporary files).
   */
  fetch(
    job: NarJob,
    ctx: { signal?: AbortSignal; onBytes?: (fileBytes: number, narBytes: number) => void; onRetry?: (attempt: number, err: unknown) => void },
  ): Promise<CachedPath> {
    if (this.closed) return Promise.reject(new Error('FetchThreads is closed'));
    const t = this.threads.reduce((a, b) => (b.active < a.active ? b : a));
    const id = this.nextId++;
    return new Promise<CachedPath>((resolve, reject) => {
      const onAbort = (): void => t.worker.postMessage({ type: 'abort', id } satisfies ThreadRequest);
      const done = <T>(f: (v: T) => void) => (v: T): void => {
        ctx.signal?.removeEventListener('abort', onAbort);
        f(v);
      };
      t.pending.set(id, { resolve: done(resolve), reject: done(reject), onBytes: ctx.onBytes, onRetry: ctx.onRetry });
      t.active++;
      t.worker.postMessage({ type: 'fetch', id, wantBytes: ctx.onBytes !== undefined, ...job } satisfies ThreadRequest);
      if (ctx.signal?.aborted) onAbort();
      else ctx.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stop the workers (call when no fetch is pending). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
