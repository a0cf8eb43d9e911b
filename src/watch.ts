/**
 * `nixwrt build --watch`: build, then rebuild whenever one of the user's inputs changes (the
 * config and its local imports, the lock file, overlays). The process stays up, so a rebuild
 * pays neither Node's start-up nor module loading: only the pipeline, and with the artefact
 * cache that is the changed blocks. Inputs are polled (sizes, mtimes, inode numbers): editors
 * that replace a file by renaming over it and file systems without inotify are both seen. Where
 * fs.watch works, a change event cuts the wait short, so a save is noticed at once instead of
 * at the next poll.
 */
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build, type BuildOptions, type BuildResult } from './build.js';

export type WatchEvent =
  | { kind: 'built'; result: BuildResult; ms: number; changed: string[] }
  | { kind: 'failed'; error: unknown; ms: number; changed: string[] };

export interface WatchOptions {
  /** The build to repeat; its `inputs` collector is the watcher's own. */
  build: Omit<BuildOptions, 'inputs'>;
  /** Called after every build, good or failed. */
  onEvent: (e: WatchEvent) => void;
  /** How often inputs are checked (default 50 ms; a few stat calls). */
  intervalMs?: number;
  /** How long a change must hold still before the build starts (default 20 ms, at most the interval). */
  settleMs?: number;
  /** Ends the watch (between builds, or after the build in progress). */
  signal?: AbortSignal;
}

/** Path → a fingerprint of what is there now (and its mtime); directories are walked. */
export type Snapshot = Map<string, { sig: string; mtimeMs: number }>;

/** File times come from the kernel's coarse clock, a tick behind Date.now(). */
const CLOCK_SLACK_MS = 5;

/** Runs until `signal` aborts. Build errors are reported through onEvent, not thrown. */
export async function watchBuild(o: WatchOptions): Promise<void> {
  const interval = o.intervalMs ?? 50;
  const settleMs = Math.min(o.settleMs ?? 20, interval);
  const config = resolve(o.build.config);
  // Never react to what the build itself writes.
  const ignore = [resolve(o.build.outDir), ...(o.build.cacheDir ? [resolve(o.build.cacheDir)] : [])];
  let known = new Set([config]);
  let changed: string[] = [];
  while (!o.signal?.aborted) {
    const before = await snapshot(known, ignore);
    const inputs = new Set([config]);
    const startedAt = Date.now();
    const t0 = performance.now();
    try {
      const result = await build({ ...o.build, inputs });
      o.onEvent({ kind: 'built', result, ms: performance.now() - t0, changed });
      known = inputs;
    } catch (error) {
      o.onEvent({ kind: 'failed', error, ms: performance.now() - t0, changed });
      // A failed build may not have reached every input: keep watching the old ones too.
      known = new Set([...known, ...inputs]);
    }
    // Watching starts before the look that later looks are compared with: a save in between
    // still wakes the wait below.
    const wake = new Wakeup(known);
    const last = await snapshot(known, ignore);
    // Edited while the build ran (or since it ended): build again at once. Inputs found by this
    // build have no earlier look, so their time tells.
    changed = differences(before, last).filter((p) => before.has(p) || last.get(p)!.mtimeMs >= startedAt - CLOCK_SLACK_MS);
    if (changed.length > 0) {
      wake.close();
      // Maybe caught half-way through a write: let it settle first, as below.
      if (!(await settle(known, ignore, last, settleMs, o.signal))) return;
      continue;
    }
    let next: string[] | undefined;
    try {
      next = await waitForChange(known, ignore, last, interval, settleMs, o.signal, wake);
    } finally {
      wake.close();
    }
    if (next === undefined) return;
    changed = next;
  }
}

/** Poll (or wake on an fs.watch event) until the inputs differ from `last` and then hold still for `settleMs`; the paths that changed. */
async function waitForChange(
  paths: Set<string>,
  ignore: string[],
  last: Snapshot,
  interval: number,
  settleMs: number,
  signal?: AbortSignal,
  wake?: Wakeup,
): Promise<string[] | undefined> {
  for (;;) {
    if (!(await pause(interval, signal, wake))) return undefined;
    const now = await snapshot(paths, ignore);
    const d = differences(last, now);
    if (d.length === 0) continue;
    return (await settle(paths, ignore, now, settleMs, signal)) ? d : undefined;
  }
}

/**
 * An editor or a script may still be writing (truncate, then write): wait until two looks one
 * interval apart agree. False when aborted.
 */
async function settle(paths: Set<string>, ignore: string[], seen: Snapshot, interval: number, signal?: AbortSignal): Promise<boolean> {
  for (;;) {
    if (!(await pause(interval, signal))) return false;
    const now = await snapshot(paths, ignore);
    if (differences(seen, now).length === 0) return true;
    seen = now;
  }
}

/** Wait `ms`, or less when `wake` reports a change; false when aborted. */
async function pause(ms: number, signal?: AbortSignal, wake?: Wakeup): Promise<boolean> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) return false;
    await Promise.race([sleep(ms, undefined, { signal: stop.signal }), ...(wake ? [wake.next()] : [])]);
    return !signal?.aborted;
  } catch {
    return !signal?.aborted; // the sleep was cut short by a wake-up, or aborted
  } finally {
    stop.abort();
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * fs.watch on the inputs' directories (and directories among the inputs): any event there
 * resolves `next()`. Best effort: where watching fails (no inotify, too many watches) polling
 * alone notices changes.
 */
class Wakeup {
  private readonly watchers: FSWatcher[] = [];
  private waiting: (() => void) | undefined;
  private fired = false;

  constructor(paths: Iterable<string>) {
    const dirs = new Set<string>();
    for (const p of paths) {
      // The parent sees a file replaced by rename; a directory input (an overlay) is watched itself.
      dirs.add(dirname(p));
      dirs.add(p);
    }
    for (const d of dirs) {
      try {
        const w = watch(d, { persistent: false }, () => this.fire());
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch {
        // Missing or unwatchable: polling covers it.
      }
    }
  }

  /** Resolves at the next event (or at once if one came since the last call). */
  next(): Promise<void> {
    if (this.fired) {
      this.fired = false;
      return Promise.resolve();
    }
    return new Promise((r) => (this.waiting = r));
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.waiting?.();
  }

  private fire(): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (w) w();
    else this.fired = true;
  }
}

/** Paths whose fingerprint differs (added, removed or changed), sorted. */
export function differences(a: Snapshot, b: Snapshot): string[] {
  const out = new Set<string>();
  for (const [p, v] of a) if (b.get(p)?.sig !== v.sig) out.add(p);
  for (const p of b.keys()) if (!a.has(p)) out.add(p);
  return [...out].sort();
}

/** Fingerprints of `paths` and, for directories, of everything under them. */
export async function snapshot(paths: Iterable<string>, ignore: string[] = []): Promise<Snapshot> {
  const out: Snapshot = new Map();
  const skip = (p: string) => ignore.some((i) => p === i || p.startsWith(`${i}/`));
  const visit = async (p: string): Promise<void> => {
    if (skip(p)) return;
    const st = await lstat(p).catch(() => undefined);
    if (!st) {
      out.set(p, { sig: 'missing', mtimeMs: 0 });
      return;
    }
    out.set(p, { sig: `${st.mode}:${st.size}:${st.mtimeMs}:${st.ino}`, mtimeMs: st.mtimeMs });
    if (st.isDirectory()) {
      const names = await readdir(p).catch(() => [] as string[]);
      for (const n of names.sort()) await visit(join(p, n));
    }
  };
  for (const p of paths) await visit(resolve(p));
  return out;
}
