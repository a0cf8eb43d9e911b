/**
 * Streaming SHA-256 whose updates run on libuv's thread pool: OpenSSL's EVP digest calls
 * (the copy of OpenSSL inside the node binary, reached through koffi) called asynchronously,
 * so hashing a NAR (about 10 % of a fetch's main-thread CPU with node:crypto) overlaps with the
 * main thread's NAR parsing and file writes. Where that is not available (no koffi, not glibc
 * Linux x64/arm64, node built without those exports, NIXWRT_NO_SYSLIB=1) node:crypto hashes
 * on the calling thread; both give the same digest (tested).
 *
 * The bytes passed to update() must stay unchanged until its promise settles.
 */
import { createHash, type Hash } from 'node:crypto';
import { loadKoffi, onPool, type KoffiFn } from './native-decode.js';

export interface Sha256 {
  update(data: Uint8Array): Promise<void>;
  /** The digest; call once, after the last update settled. */
  digest(): Buffer;
  /** Give the native context back (also after a failure; waits for an update in flight). */
  dispose(): void;
}

interface Evp {
  newCtx: KoffiFn;
  md: unknown;
  init: KoffiFn;
  update: KoffiFn;
  final: KoffiFn;
  free: unknown[];
}

let evp: Evp | null | undefined;

function loadEvp(): Evp | null {
  if (evp !== undefined) return evp;
  evp = null;
  if (process.env.NIXWRT_NO_SYSLIB === '1' || process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) return evp;
  try {
    const lib = loadKoffi().load(null); // the node executable's own exported OpenSSL
    const e: Evp = {
      newCtx: lib.func('void *EVP_MD_CTX_new()'),
      md: lib.func('const void *EVP_sha256()')(),
      init: lib.func('int EVP_DigestInit_ex(void *ctx, const void *type, void *engine)'),
      update: lib.func('int EVP_DigestUpdate(void *ctx, const uint8_t *d, size_t cnt)'),
      final: lib.func('int EVP_DigestFinal_ex(void *ctx, uint8_t *md, void *s)'),
      free: [],
    };
    // Known answer before use: SHA-256("abc").
    const h = nativeHash(e);
    const abc = Buffer.from('abc');
    if (e.update(h.ctx, abc, abc.length) !== 1) return evp;
    if (h.digest().toString('hex') !== 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad') return evp;
    h.dispose();
    evp = e;
  } catch {
    evp = null;
  }
  return evp;
}

function nativeHash(e: Evp): Sha256 & { ctx: unknown } {
  const ctx = e.free.pop() ?? e.newCtx();
  if (!ctx || e.init(ctx, e.md, null) !== 1) throw new Error('EVP_DigestInit_ex failed');
  let inflight: Promise<unknown> | null = null;
  let live = true;
  return {
    ctx,
    update(data) {
      if (data.length === 0) return Promise.resolve();
      const p = onPool(e.update, ctx, data, data.length).then((r) => {
        if (r !== 1) throw new Error('EVP_DigestUpdate failed');
      });
      inflight = p;
      return p;
    },
    digest() {
      const out = Buffer.alloc(32);
      if (e.final(ctx, out, null) !== 1) throw new Error('EVP_DigestFinal_ex failed');
      return out;
    },
    dispose() {
      if (!live) return;
      live = false;
      // Reused only once no update can still be running on it.
      const give = (): void => void e.free.push(ctx);
      if (inflight) inflight.then(give, give);
      else give();
    },
  };
}

function jsHash(): Sha256 {
  const h: Hash = createHash('sha256');
  return {
    update(data) {
      h.update(data);
      return Promise.resolve();
    },
    digest: () => h.digest(),
    dispose: () => undefined,
  };
}

/** A SHA-256 on the thread pool when possible; `native: false` always uses node:crypto. */
export function createSha256(opts: { native?: boolean } = {}): Sha256 {
  const e = opts.native === false ? null : loadEvp();
  return e ? nativeHash(e) : jsHash();
}

/** True when createSha256() hashes on the thread pool. */
export function haveNativeSha256(): boolean {
  return loadEvp() !== null;
}
