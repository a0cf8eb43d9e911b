import { NixFormatError } from './errors.js';
import { isNix32 } from './nixbase32.js';

export const STORE_DIR = '/nix/store';

const NAME_RE = /^[A-Za-z0-9+\-._?=]+$/;

/** `<32 nix32 chars>-<name>`: the base name of a store path. */
export function isStoreBaseName(s: string): boolean {
  if (s.length < 34 || s.length > 32 + 1 + 211 || s[32] !== '-') return false;
  const name = s.slice(33);
  return isNix32(s.slice(0, 32)) && NAME_RE.test(name) && name !== '.' && name !== '..';
}

/** Check a full store path and return its base name. */
export function storePathBaseName(path: string, storeDir = STORE_DIR): string {
  const prefix = storeDir + '/';
  const base = path.startsWith(prefix) ? path.slice(prefix.length) : '';
  if (!isStoreBaseName(base)) throw new NixFormatError('bad-store-path', `not a store path: ${JSON.stringify(path)}`);
  return base;
}

/** The 32-character hash part, which names the narinfo (`<hash>.narinfo`). */
export function storePathHashPart(path: string, storeDir = STORE_DIR): string {
  return storePathBaseName(path, storeDir).slice(0, 32);
}

export function isStorePath(path: string, storeDir = STORE_DIR): boolean {
  return path.startsWith(storeDir + '/') && isStoreBaseName(path.slice(storeDir.length + 1));
}
