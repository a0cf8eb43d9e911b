/**
 * `nixwrt lock`: locks for binary caches of one's own. Entries are added only when the lock's
 * cache has the path's narinfo signed by the lock's key (so a build cannot fail on them later
 * for that reason); `import` takes `nix path-info --json --recursive`; `check` fetches and
 * verifies every entry's closure. Lock files are rewritten whole, atomically.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LockError } from '../config/errors.js';
import { jsonWhere, parseLock } from '../config/load.js';
import { parseJson } from '../util/json.js';
import type { Lock, LockFile } from '../config/types.js';
import { fetchClosure } from '../nix/closure.js';
import { parseNarInfo } from '../nix/narinfo.js';
import { parsePublicKey, verifyNarInfo } from '../nix/signature.js';
import { isStorePath, storePathHashPart } from '../nix/store-path.js';
import { openSubstituter } from '../nix/substituter/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** Read a lock as written (relative cache URL kept) and as loaded (checked, URL resolved). */
async function readLock(path: string): Promise<{ raw: LockFile; lock: Lock }> {
  const abs = resolve(path);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw new LockError('lock-not-found', `${abs}: cannot read lock file (${(err as Error).message}); make one with nixwrt lock new`, { cause: err });
  }
  let raw: LockFile;
  try {
    raw = parseJson(text) as LockFile;
  } catch (err) {
    throw new LockError('lock-invalid', `${jsonWhere(abs, err)}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
  return { raw, lock: parseLock(raw, abs) };
}

async function writeLock(path: string, raw: LockFile): Promise<void> {
  parseLock(raw, resolve(path)); // never write a lock the loader would refuse
  await writeFileAtomic(resolve(path), Buffer.from(`${JSON.stringify(raw, null, 2)}\n`));
}

/** A new lock with no packages; an existing file is left alone. */
export async function newLock(path: string, cache: { url: string; publicKey: string }): Promise<void> {
  const abs = resolve(path);
  if (await readFile(abs).then(() => true, () => false)) throw new LockError('lock-exists', `${abs} exists: edit it with nixwrt lock add / import`);
  await writeLock(abs, { version: 1, cache: { url: cache.url, publicKey: cache.publicKey }, packages: {} });
}

/** A package name for a store path: its name without the version (busybox-1.35.0 → busybox). */
export function packageNameOf(storePath: string): string {
  const name = storePath.slice(storePath.lastIndexOf('/') + 34);
  return /^(.+?)-[0-9]/.exec(name)?.[1] ?? name;
}

/** `NAME=STOREPATH` → its parts; a bad store path is named as such. */
export function parseEntry(arg: string): { name: string; storePath: string } {
  const eq = arg.indexOf('=');
  const [name, storePath] = eq < 0 ? [undefined, arg] : [arg.slice(0, eq), arg.slice(eq + 1)];
  if (!isStorePath(storePath)) throw new LockError('not-a-store-path', `${JSON.stringify(storePath)} is not a store path (expected /nix/store/<32 characters of hash>-<name>)`);
  if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9+._-]*$/.test(name)) throw new LockError('lock-invalid', `package name ${JSON.stringify(name)}: letters, digits, + . _ - only`);
  return { name: name ?? packageNameOf(storePath), storePath };
}

/** Each store path's narinfo in the lock's cache, signed by the lock's key; every failure listed. */
async function checkSigned(lock: Lock, storePaths: string[]): Promise<void> {
  const key = parsePublicKey(lock.publicKey);
  const sub = openSubstituter(lock.cacheUrl);
  const problems: string[] = [];
  let untrusted = false;
  try {
    for (const p of storePaths) {
      const hash = storePathHashPart(p);
      const url = `${lock.cacheUrl}/${hash}.narinfo`;
      const text = await sub.narinfo(hash);
      if (text === null) {
        problems.push(`${p}: not in the cache (${url})`);
        continue;
      }
      const info = parseNarInfo(text, url);
      if (info.storePath !== p) problems.push(`${p}: ${url} describes ${info.storePath}`);
      else if (verifyNarInfo(info, [key]).length === 0) {
        untrusted = true;
        const by = info.sigs.map((s) => s.slice(0, s.indexOf(':'))).join(', ') || 'nobody';
        problems.push(`${p}: not signed by ${key.name} (signed by ${by}); sign it with nix store sign -k SECRET-KEY ${p}`);
      }
    }
  } finally {
    sub.close();
  }
  if (problems.length > 0) throw new LockError(untrusted ? 'untrusted' : 'not-in-cache', `${lock.path} (cache ${lock.cacheUrl}): ${problems.join('; ')}`);
}

export interface LockChange {
  added: string[];
  replaced: string[];
}

/** Add or replace entries after checking each is in the lock's cache and signed by its key. */
export async function addToLock(path: string, entries: Array<{ name: string; storePath: string }>): Promise<LockChange> {
  const { raw, lock } = await readLock(path);
  const names = new Set<string>();
  for (const e of entries) {
    if (names.has(e.name)) throw new LockError('lock-invalid', `package ${e.name} given twice`);
    names.add(e.name);
  }
  await checkSigned(lock, entries.map((e) => e.storePath));
  const change: LockChange = { added: [], replaced: [] };
  for (const e of entries) {
    if (Object.hasOwn(raw.packages, e.name)) {
      if (raw.packages[e.name] !== e.storePath) change.replaced.push(e.name);
    } else change.added.push(e.name);
    raw.packages[e.name] = e.storePath;
  }
  await writeLock(path, raw);
  return change;
}

/**
 * Entries for `nix path-info --json [--recursive]` output: Nix 2.8-2.18 print a list of
 * { path, ... }, later versions an object keyed by path. Each path is named by packageNameOf;
 * names two paths would share get the path's whole name (busybox-1.35.0) instead. By name.
 */
export function pathInfoEntries(text: string, where: string): Array<{ name: string; storePath: string }> {
  let json: unknown;
  try {
    json = parseJson(text);
  } catch (err) {
    throw new LockError('bad-path-info', `${jsonWhere(where, err)}: not JSON (${(err as Error).message}); expected nix path-info --json output`, { cause: err });
  }
  let paths: unknown[];
  if (Array.isArray(json)) paths = json.map((o) => (typeof o === 'object' && o !== null ? (o as { path?: unknown }).path : o));
  else if (typeof json === 'object' && json !== null) paths = Object.keys(json);
  else throw new LockError('bad-path-info', `${where}: expected nix path-info --json output (a list or an object of store paths)`);
  const out = paths.map((p) => {
    if (typeof p !== 'string' || !isStorePath(p)) throw new LockError('not-a-store-path', `${where}: ${JSON.stringify(p)} is not a store path`);
    return { name: packageNameOf(p), storePath: p };
  });
  const count = new Map<string, number>();
  for (const e of out) count.set(e.name, (count.get(e.name) ?? 0) + 1);
  return out
    .map((e) => (count.get(e.name)! > 1 ? { ...e, name: e.storePath.slice(e.storePath.lastIndexOf('/') + 34) } : e))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function listLock(path: string): Promise<Lock> {
  return (await readLock(path)).lock;
}

/** Fetch every entry's closure from the lock's cache into `cacheDir`, verifying signatures and hashes. */
export async function checkLock(path: string, cacheDir: string): Promise<{ packages: number; storePaths: number; narBytes: number }> {
  const { lock } = await readLock(path);
  const roots = [...new Set(Object.values(lock.packages))];
  await checkSigned(lock, roots);
  const closure = await fetchClosure(roots, { substituters: [lock.cacheUrl], trustedPublicKeys: [lock.publicKey], cacheDir });
  let narBytes = 0;
  for (const p of closure.values()) narBytes += p.narSize;
  return { packages: Object.keys(lock.packages).length, storePaths: closure.size, narBytes };
}
