/**
 * A cached NAR's bytes reach an output only after this process has proven the whole NAR against
 * its NarHash (the hash the signed narinfo names). The store cache's index check (size, signed
 * narinfo) cannot see a flipped byte: the size and mtime stay, so the NAR itself is hashed.
 *
 * Lazily, once per NAR and process: the first read of any part of a NAR hashes all of it
 * (sequential reads, ~220 MB/s under load here), later reads of it are free. A NAR downloaded
 * in this process was hashed as it arrived and is marked proven then. A warm build reads no NAR
 * at all (its inputs come from SHA-256-checked artefacts; docs/incremental.md), so it pays
 * nothing. A NAR that does not match is removed from the cache (index entry first) and the
 * read fails with StoreCacheError 'corrupt-nar' naming the store path; the next fetch of that
 * path downloads it again (`build` does so at once, see build.ts).
 */
import { createHash, type Hash as Hasher } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StoreCacheError } from './errors.js';
import { formatHashNix32, hashEquals, parseHash } from './hash.js';

/** narPath → the NarHash it was proven against in this process. */
const proven = new Map<string, string>();
const inFlight = new Map<string, Promise<void>>();
const CHUNK = 1 << 20;

/** A NAR this process has just hashed while writing it (a download). */
export function markNarProven(narPath: string, narHash: string): void {
  proven.set(narPath, narHash);
}

/** Forget every proof (tests that damage a NAR between two builds in one process). */
export function forgetNarProofs(): void {
  proven.clear();
}

/** Prove `narPath` against `narHash` (`sha256:…`) once per process; throws 'corrupt-nar'. */
export function proveNar(narPath: string, narHash: string): Promise<void> {
  if (proven.get(narPath) === narHash) return Promise.resolve();
  const key = `${narPath}\0${narHash}`;
  let p = inFlight.get(key);
  if (!p) {
    p = (async () => settleNarHash(narPath, narHash, (await hashFile(narPath)).hasher))().finally(() => inFlight.delete(key));
    inFlight.set(key, p);
  }
  return p;
}

/** SHA-256 of a whole file, read sequentially; with its size. */
export async function hashFile(path: string): Promise<{ hasher: Hasher; size: number }> {
  const hasher = createHash('sha256');
  let size = 0;
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hasher.update(buf.subarray(0, bytesRead));
      size += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return { hasher, size };
}

/** proveNar for synchronous readers (the squashfs data stage reads blocks with readSync). */
export function proveNarSync(narPath: string, narHash: string): void {
  if (proven.get(narPath) === narHash) return;
  const h = createHash('sha256');
  const fd = openSync(narPath, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let n; (n = readSync(fd, buf, 0, CHUNK, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  settleNarHash(narPath, narHash, h);
}

/**
 * Check a finished hash of `narPath`'s bytes (also used by readers that hash while they read,
 * e.g. restoreNar). On a mismatch the entry is removed and 'corrupt-nar' thrown.
 */
export function settleNarHash(narPath: string, narHash: string, h: Hasher): void {
  const want = parseHash(narHash);
  const got = { algo: 'sha256' as const, digest: h.digest() };
  if (hashEquals(got, want)) {
    proven.set(narPath, narHash);
    return;
  }
  proven.delete(narPath);
  const storePath = removeCorruptNar(narPath);
  throw new StoreCacheError(
    'corrupt-nar',
    `${storePath ?? narPath}: the cached NAR ${narPath} hashes to ${formatHashNix32(got)}, not its NarHash ${formatHashNix32(want)} ` +
      '(damaged on disk); removed it from the store cache, the next fetch downloads it again',
  );
}

/**
 * Remove a damaged NAR and its index entry (index first, so no reader finds an entry without
 * its NAR's check); returns the store path the index named, if it could be read.
 */
export function removeCorruptNar(narPath: string): string | undefined {
  const info = join(dirname(dirname(narPath)), 'info', basename(narPath).replace(/\.nar$/, '.json'));
  let storePath: string | undefined;
  try {
    const s = (JSON.parse(readFileSync(info, 'utf8')) as { storePath?: unknown }).storePath;
    if (typeof s === 'string') storePath = s;
  } catch {
    // No readable index entry: the message names the NAR file instead.
  }
  // Best effort: a read-only cache keeps the entry, and every run finds it damaged again.
  try {
    rmSync(info, { force: true });
    rmSync(narPath, { force: true });
  } catch {
    /* see above */
  }
  return storePath;
}
