import { NixFormatError } from './errors.js';
import { nix32Decode, nix32Encode, nix32Length } from './nixbase32.js';

/** Hash algorithms that occur in narinfos and store paths, with digest sizes in bytes. */
export const HASH_SIZES = { md5: 16, sha1: 20, sha256: 32, sha512: 64 } as const;
export type HashAlgo = keyof typeof HASH_SIZES;

export interface Hash {
  algo: HashAlgo;
  digest: Uint8Array;
}

function isAlgo(s: string): s is HashAlgo {
  return Object.prototype.hasOwnProperty.call(HASH_SIZES, s);
}

function decodeBase64Strict(s: string, size: number): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length !== 4 * Math.ceil(size / 3)) return null;
  const bytes = Buffer.from(s, 'base64');
  return bytes.length === size ? new Uint8Array(bytes) : null;
}

/** Decode a digest given as nix32, hex or base64, told apart by length as Nix does. */
function decodeDigest(algo: HashAlgo, text: string, original: string): Uint8Array {
  const size = HASH_SIZES[algo];
  if (text.length === size * 2 && /^[0-9a-fA-F]+$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  if (text.length === nix32Length(size)) {
    try {
      return nix32Decode(text);
    } catch (err) {
      throw new NixFormatError('bad-hash', `invalid hash ${JSON.stringify(original)}: ${(err as Error).message}`);
    }
  }
  const b64 = decodeBase64Strict(text, size);
  if (b64) return b64;
  throw new NixFormatError('bad-hash', `invalid hash ${JSON.stringify(original)}: wrong length for ${algo}`);
}

/**
 * Parse `algo:digest` (digest in nix32, hex or base64), SRI `algo-base64`, or a bare digest
 * when `defaultAlgo` is given.
 */
export function parseHash(s: string, defaultAlgo?: HashAlgo): Hash {
  const colon = s.indexOf(':');
  if (colon >= 0) {
    const algo = s.slice(0, colon);
    if (!isAlgo(algo)) throw new NixFormatError('bad-hash', `unknown hash algorithm in ${JSON.stringify(s)}`);
    return { algo, digest: decodeDigest(algo, s.slice(colon + 1), s) };
  }
  const dash = s.indexOf('-');
  if (dash >= 0) {
    const algo = s.slice(0, dash);
    if (!isAlgo(algo)) throw new NixFormatError('bad-hash', `unknown hash algorithm in ${JSON.stringify(s)}`);
    const digest = decodeBase64Strict(s.slice(dash + 1), HASH_SIZES[algo]);
    if (!digest) throw new NixFormatError('bad-hash', `invalid SRI hash ${JSON.stringify(s)}`);
    return { algo, digest };
  }
  if (defaultAlgo) return { algo: defaultAlgo, digest: decodeDigest(defaultAlgo, s, s) };
  throw new NixFormatError('bad-hash', `hash ${JSON.stringify(s)} names no algorithm`);
}

/** `sha256:<nix32>`, the form narinfos and fingerprints use. */
export function formatHashNix32(h: Hash): string {
  return `${h.algo}:${nix32Encode(h.digest)}`;
}

export function formatHashSRI(h: Hash): string {
  return `${h.algo}-${Buffer.from(h.digest).toString('base64')}`;
}

export function formatHashHex(h: Hash): string {
  return `${h.algo}:${Buffer.from(h.digest).toString('hex')}`;
}

export function hashEquals(a: Hash, b: Hash): boolean {
  return a.algo === b.algo && Buffer.from(a.digest).equals(b.digest);
}
