/**
 * Temporary files of downloads in progress (`<cacheDir>/tmp/`) and `--out` trees being
 * unpacked: named so that a later run can prove their writer dead, removed on SIGINT/SIGTERM.
 *
 * A NAR download's temp file is `<hash>.<pidns>-<pid>.<random>.nar`, where `pidns` is the
 * inode of this process's PID namespace (Linux; 0 elsewhere). A run sweeps a temp file when
 *   - its namespace is ours and no process has its pid (kill(pid, 0) fails with ESRCH), or
 *   - it has not been modified for a day (a live download writes at least once per idle
 *     timeout and ends by its deadline, so no live file is that old; this also covers files
 *     from other PID namespaces, other hosts sharing the cache, and older names).
 * A pid reused by an unrelated process only delays the sweep (a file is never removed while
 * it could be live).
 */
import { readdirSync, readlinkSync, rmSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const STALE_MS = 24 * 3600 * 1000;
const NAME = /^[0-9a-z]{32}\.(\d+)-(\d+)\.[0-9a-f]+\.nar$/;

let nsCache: string | undefined;

/** This process's PID namespace id ("0" where there is none to read). */
export function pidNamespace(): string {
  if (nsCache === undefined) {
    try {
      nsCache = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '0';
    } catch {
      nsCache = '0';
    }
  }
  return nsCache;
}

/** The `<pidns>-<pid>` part of this process's temp names. */
export function tempOwnerTag(): string {
  return `${pidNamespace()}-${process.pid}`;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: a process we may not signal exists.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Cache directories this process downloads into, and `--out` store directories it unpacks into, for the signal handler. */
const cacheDirs = new Set<string>();
const outStores = new Set<string>();

/** `<out>/nix/store`, where NarRestorer unpacks into `.<name>.tmp-<pid>-<random>` trees. */
export function trackOutStore(dir: string): void {
  outStores.add(dir);
}

/**
 * Remove the temp files of downloads whose writer is provably gone (see above); registers the
 * cache directory for removeOwnTempFiles(). Returns the names removed.
 */
export async function sweepStaleTemp(cacheDir: string, now = Date.now()): Promise<string[]> {
  cacheDirs.add(cacheDir);
  const dir = join(cacheDir, 'tmp');
  const removed: string[] = [];
  const ns = pidNamespace();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = NAME.exec(name);
    let dead = m !== null && m[1] === ns && Number(m[2]) !== process.pid && !pidAlive(Number(m[2]));
    if (!dead) {
      const st = await stat(join(dir, name)).catch(() => undefined);
      dead = st !== undefined && st.isFile() && now - st.mtimeMs > STALE_MS && !(m && m[1] === ns && Number(m[2]) === process.pid);
    }
    if (!dead) continue;
    await rm(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Synchronously remove this process's temp files and `--out` temp trees (any thread's: their
 * names carry our pid); for a SIGINT/SIGTERM handler, which cannot wait.
 */
export function removeOwnTempFiles(): void {
  const tag = `.${tempOwnerTag()}.`;
  for (const cacheDir of cacheDirs) {
    const dir = join(cacheDir, 'tmp');
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (name.includes(tag)) rmSync(join(dir, name), { force: true });
  }
  const treeTag = `.tmp-${process.pid}-`;
  for (const dir of outStores) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (name.startsWith('.') && name.includes(treeTag)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Until the returned function is called: on SIGINT or SIGTERM remove our temp files, then die
 * of the same signal (the default action, so the parent sees the signal as the cause).
 */
export function cleanUpOnSignals(): () => void {
  const handler = (sig: NodeJS.Signals): void => {
    try {
      removeOwnTempFiles();
    } finally {
      off();
      process.kill(process.pid, sig);
    }
  };
  const off = (): void => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return off;
}

