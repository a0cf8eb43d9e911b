import { NixwrtError } from '../errors.js';

/** Malformed input in one of Nix's formats (NAR, narinfo, hashes, keys, store paths). */
export type NixFormatCode =
  | 'bad-nix32'
  | 'bad-hash'
  | 'bad-store-path'
  | 'bad-narinfo'
  | 'bad-key'
  | 'bad-signature-format'
  | 'bad-lock';

export class NixFormatError extends NixwrtError<NixFormatCode> {}

/** A fetch that failed; the message names the store path, the URL and the cause. */
export type FetchCode =
  | 'not-found' // no substituter has the path (or a reference of it)
  | 'untrusted' // no signature by a trusted key verifies
  | 'hash-mismatch' // NarHash differs from what was downloaded
  | 'size-mismatch' // NarSize or FileSize differs
  | 'http' // a non-retryable HTTP status, or retries exhausted
  | 'network' // connection reset, timeout, truncated body after all retries
  | 'store-dir' // the cache serves another StoreDir than /nix/store
  | 'decompress' // the compressed stream is corrupt or its method unknown
  | 'bad-nar' // the downloaded NAR does not parse
  | 'io'; // local file system trouble (cache dir, --out)

export class FetchError extends NixwrtError<FetchCode> {
  /** Worth retrying: a reset, a timeout, a truncated body, 408, 429 or 5xx. */
  readonly transient: boolean;
  constructor(code: FetchCode, message: string, options: { cause?: unknown; transient?: boolean } = {}) {
    super(code, message, options);
    this.transient = options.transient ?? false;
  }
}

export function isTransient(err: unknown): boolean {
  return err instanceof FetchError && err.transient;
}

/** A NAR that Nix would refuse (or that could do harm when unpacked). */
export type NarCode =
  | 'bad-token' // an unexpected token where the grammar wants another
  | 'bad-padding' // non-zero padding bytes
  | 'bad-name' // empty, ".", "..", "/" or NUL in an entry name (any other bytes are taken)
  | 'unsorted' // directory entries not strictly increasing
  | 'duplicate' // the same name twice in one directory
  | 'too-long' // a length over its limit (names, targets, tokens, the whole NAR)
  | 'too-deep' // directories nested deeper than the limit
  | 'bad-target' // empty symlink target or NUL in it
  | 'truncated' // the input ended inside the archive
  | 'trailing-data' // bytes after the end of the archive
  | 'unsupported-file'; // writer: a socket, FIFO or device cannot be archived

export class NarError extends NixwrtError<NarCode> {}

/** The local store cache holds bytes that are not what its index promises. */
export type StoreCacheCode = 'corrupt-nar'; // a cached NAR does not hash to its NarHash

export class StoreCacheError extends NixwrtError<StoreCacheCode> {}
