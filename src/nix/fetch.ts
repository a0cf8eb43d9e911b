import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { decompress } from './decompress.js';
import { FetchError, NarError } from './errors.js';
import { closeFd, fsyncFd, openFd, renamePath, writeAll } from './fd.js';
import { formatHashNix32, hashEquals } from './hash.js';
import { markNarProven } from './nar-proof.js';
import { sweepStaleTemp, tempOwnerTag } from './temp-files.js';
import { ListingBuilder } from './nar/listing.js';
import { NarParser } from './nar/reader.js';
import { NarRestorer } from './restore.js';
import { compressionOf, type NarInfo } from './narinfo.js';
import { cachedNarPath, currentBootId, referencePaths, writeCacheIndex, type CachedPath } from './store-cache.js';
import { storePathHashPart } from './store-path.js';
import { withRetries, type RetryPolicy } from './substituter/retry.js';
import type { Substituter } from './substituter/types.js';

export interface DownloadContext {
  cacheDir: string;
  retry: RetryPolicy;
  signal?: AbortSignal;
  /** Compressed bytes received so far for this path (called per chunk). */
  onBytes?: (fileBytes: number, narBytes: number) => void;
  onRetry?: (attempt: number, err: unknown) => void;
  /** Also unpack the NAR here while it streams (--out); renamed into place once verified. */
  outDest?: string;
}

/**
 * Download one NAR whose narinfo has already been verified, in one pass:
 * bytes → FileSize → decompress → NarHash/NarSize + NAR parse (listing) → temp file.
 * Only when every check passes is the NAR renamed into the cache and indexed.
 */
/**
 * Create the cache's directories once, before any download, and sweep temp files that killed
 * runs left behind (temp-files.ts).
 */
export async function prepareCacheDir(cacheDir: string): Promise<void> {
  for (const sub of ['tmp', 'nar', 'info']) await mkdir(join(cacheDir, sub), { recursive: true });
  await sweepStaleTemp(cacheDir);
}

export async function fetchVerifiedNar(
  sub: Substituter,
  info: NarInfo,
  narinfoText: string,
  ctx: DownloadContext,
): Promise<CachedPath> {
  const url = sub.resolve(info.url);
  const label = `fetching ${info.storePath} from ${url}`;
  try {
    return await withRetries(() => attempt(sub, url, info, narinfoText, ctx), ctx.retry, ctx.signal, ctx.onRetry);
  } catch (err) {
    if (err instanceof FetchError || err instanceof NarError) {
      const code = err instanceof NarError ? 'bad-nar' : err.code;
      throw new FetchError(code, `${label}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

async function attempt(sub: Substituter, url: string, info: NarInfo, narinfoText: string, ctx: DownloadContext): Promise<CachedPath> {
  const tmpDir = join(ctx.cacheDir, 'tmp');
  const tmp = join(tmpDir, `${storePathHashPart(info.storePath)}.${tempOwnerTag()}.${randomBytes(6).toString('hex')}.nar`);
  const fd = await openFd(tmp, 'wx', 0o644);
  let closed = false;
  // A write still in flight when something else failed: awaited before the descriptor is
  // closed (its number could otherwise be reused by another open while the write is queued).
  const inflight: { write?: Promise<void> } = {};
  const restorer = ctx.outDest ? new NarRestorer(ctx.outDest) : null;
  try {
    // FileHash is not checked: the signature does not cover it (the fingerprint signs NarHash,
    // NarSize and the references), so a match proves nothing the NarHash check below does not,
    // and Nix does not check it either. Hashing the compressed stream cost ~10 % of a fetch's
    // main-thread time. FileSize still bounds the download.
    const narHasher = createHash('sha256');
    let fileBytes = 0;
    let narBytes = 0;
    const parser = new NarParser({ maxSize: info.narSize });
    const listing = new ListingBuilder();

    // Network chunks as they come: decompress() regroups them into large pieces itself.
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of sub.nar(url, ctx.signal)) {
        fileBytes += chunk.length;
        if (info.fileSize !== undefined && fileBytes > info.fileSize) {
          throw new FetchError('size-mismatch', `more than FileSize ${info.fileSize} bytes`);
        }
        yield chunk;
      }
    }

    try {
      for await (const chunk of decompress(compressionOf(info), counted())) {
        narBytes += chunk.length;
        if (narBytes > info.narSize) throw new FetchError('size-mismatch', `NAR longer than NarSize ${info.narSize}`);
        narHasher.update(chunk);
        const events = parser.push(chunk);
        for (const ev of events) listing.add(ev);
        // The chunk may be a view of the decoder's reused buffer: finish with it (cache file
        // and --out tree, written side by side) before asking for the next one.
        const written = (inflight.write = writeAll(fd, chunk));
        if (restorer) for (const ev of events) await restorer.apply(ev);
        await written;
        inflight.write = undefined;
        ctx.onBytes?.(fileBytes, narBytes);
      }
      for (const ev of parser.end()) {
        listing.add(ev);
        await restorer?.apply(ev);
      }
    } catch (err) {
      // A body cut short shows up as a decoding or parse error: retry it as a transient one.
      const decodeError = err instanceof NarError || (err instanceof FetchError && err.code === 'decompress');
      if (decodeError && info.fileSize !== undefined && fileBytes < info.fileSize && !ctx.signal?.aborted) {
        throw new FetchError('network', `body ended after ${fileBytes} of ${info.fileSize} bytes (${(err as Error).message})`, {
          cause: err,
          transient: true,
        });
      }
      throw err;
    }

    if (info.fileSize !== undefined && fileBytes !== info.fileSize) {
      throw new FetchError('size-mismatch', `FileSize is ${info.fileSize} but ${fileBytes} bytes arrived`);
    }
    if (narBytes !== info.narSize) throw new FetchError('size-mismatch', `NarSize is ${info.narSize} but the NAR has ${narBytes} bytes`);
    const narHash = { algo: 'sha256' as const, digest: narHasher.digest() };
    if (!hashEquals(narHash, info.narHash)) {
      throw new FetchError('hash-mismatch', `NarHash is ${formatHashNix32(info.narHash)} but the NAR hashes to ${formatHashNix32(narHash)}`);
    }
    // Without a boot id to detect a system crash by, the NAR is made durable before its rename.
    const bootId = currentBootId() ?? undefined;
    if (bootId === undefined) await fsyncFd(fd);
    closed = true;
    await closeFd(fd);
    await renamePath(tmp, cachedNarPath(ctx.cacheDir, info.storePath));
    markNarProven(cachedNarPath(ctx.cacheDir, info.storePath), formatHashNix32(narHash));
    const cached = await writeCacheIndex(ctx.cacheDir, {
      storePath: info.storePath,
      narHash: formatHashNix32(narHash),
      narSize: narBytes,
      references: referencePaths(info.references),
      narinfo: narinfoText,
      listing: listing.root!,
      bootId,
    });
    await restorer?.commit();
    return cached;
  } catch (err) {
    await inflight.write?.catch(() => undefined);
    if (!closed) await closeFd(fd).catch(() => undefined);
    await rm(tmp, { force: true });
    await restorer?.abort();
    throw err;
  }
}
