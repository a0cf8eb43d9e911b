import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { NixFormatError } from './errors.js';
import { fingerprint, type NarInfo } from './narinfo.js';

/** A trusted key `name:base64(32-byte Ed25519 public key)`. */
export interface PublicKey {
  name: string;
  key: KeyObject;
}

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32 key bytes follow it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function splitNamed(s: string, what: string, code: 'bad-key' | 'bad-signature-format'): [string, Buffer] {
  const colon = s.indexOf(':');
  if (colon <= 0) throw new NixFormatError(code, `${what} ${JSON.stringify(s)} is not "name:base64"`);
  const b64 = s.slice(colon + 1);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new NixFormatError(code, `${what} ${JSON.stringify(s)} is not base64`);
  return [s.slice(0, colon), Buffer.from(b64, 'base64')];
}

const parsedKeys = new Map<string, PublicKey>();

/** Memoized: every cached store path of every build checks its narinfo against the same keys. */
export function parsePublicKey(s: string): PublicKey {
  let k = parsedKeys.get(s);
  if (!k) {
    k = parseKey(s);
    if (parsedKeys.size < 64) parsedKeys.set(s, k);
  }
  return k;
}

function parseKey(s: string): PublicKey {
  const [name, raw] = splitNamed(s.trim(), 'public key', 'bad-key');
  if (raw.length !== 32) throw new NixFormatError('bad-key', `public key ${name} is ${raw.length} bytes, not 32`);
  const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  return { name, key };
}

export function parseSignature(s: string): { name: string; sig: Buffer } {
  const [name, sig] = splitNamed(s, 'signature', 'bad-signature-format');
  if (sig.length !== 64) throw new NixFormatError('bad-signature-format', `signature by ${name} is ${sig.length} bytes, not 64`);
  return { name, sig };
}

/** Ed25519 check of one `name:base64` signature over `message` against keys with the same name. */
export function verifySignature(message: string, sig: string, keys: readonly PublicKey[]): boolean {
  let parsed;
  try {
    parsed = parseSignature(sig);
  } catch {
    return false; // a malformed Sig line never counts, but others may still verify
  }
  const data = Buffer.from(message);
  return keys.some((k) => k.name === parsed.name && verify(null, data, k.key, parsed.sig));
}

/** Names of trusted keys whose signature over the fingerprint verifies (empty = untrusted). */
export function verifyNarInfo(info: NarInfo, keys: readonly PublicKey[]): string[] {
  const fp = fingerprint(info);
  const ok: string[] = [];
  for (const s of info.sigs) if (verifySignature(fp, s, keys)) ok.push(s.slice(0, s.indexOf(':')));
  return ok;
}

/**
 * verifyNarInfo with each Ed25519 check on libuv's thread pool (node:crypto's callback form):
 * a closure walk checks a hundred narinfos or more, and OpenSSL 3's per-call set-up made the
 * synchronous checks ~2 % of a fetch's main-thread CPU. Same answer as verifyNarInfo.
 */
export async function verifyNarInfoAsync(info: NarInfo, keys: readonly PublicKey[]): Promise<string[]> {
  const data = Buffer.from(fingerprint(info));
  const checks = info.sigs.map(async (s) => {
    let parsed;
    try {
      parsed = parseSignature(s);
    } catch {
      return false; // a malformed Sig line never counts, but others may still verify
    }
    const { name, sig } = parsed;
    for (const k of keys) {
      if (k.name !== name) continue;
      const ok = await new Promise<boolean>((resolve) => verify(null, data, k.key, sig, (err, good) => resolve(!err && good)));
      if (ok) return true;
    }
    return false;
  });
  const results = await Promise.all(checks);
  return info.sigs.filter((_, i) => results[i]).map((s) => s.slice(0, s.indexOf(':')));
}
