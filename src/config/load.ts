import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultCacheDir } from '../util/cache-dir.js';
import { ConfigError, LockError } from './errors.js';
import type { Lock, LockFile, NixwrtConfig } from './types.js';

export interface LoadOptions {
  /** Where compiled .ts configs are kept (default: the default cache directory). */
  cacheDir?: string;
  /** Collects the files the config was read from (the file, its local imports), for watchers. */
  inputs?: Set<string>;
}

/**
 * Load a config file: `.json` is parsed, `.ts`/`.mts` goes through the fast loader
 * (ts-loader.ts) and, for what that does not handle, like `.js`/`.mjs`, through tsx's tsImport
 * (works from the compiled CLI on Node 20, no global loader hooks left behind).
 * Returns the config and the directory relative paths in it are resolved against.
 */
export async function loadConfig(path: string, opts: LoadOptions = {}): Promise<{ config: NixwrtConfig; dir: string; path: string }> {
  const abs = resolve(path);
  const ext = extname(abs);
  opts.inputs?.add(abs);
  let raw: unknown;
  if (ext === '.json') {
    let text: string;
    try {
      text = await readFile(abs, 'utf8');
    } catch (err) {
      throw new ConfigError('config-not-found', `${abs}: cannot read config (${(err as Error).message})`, { cause: err });
    }
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new ConfigError('config-load-failed', `${abs}: invalid JSON (${(err as Error).message})`, { cause: err });
    }
  } else if (['.ts', '.mts', '.js', '.mjs'].includes(ext)) {
    try {
      await readFile(abs);
    } catch (err) {
      throw new ConfigError('config-not-found', `${abs}: cannot read config (${(err as Error).message})`, { cause: err });
    }
    let mod: { default?: unknown };
    try {
      mod = (await importTs(abs, opts.cacheDir ?? defaultCacheDir(), opts.inputs)) as { default?: unknown };
    } catch (err) {
      throw new ConfigError('config-load-failed', `${abs}: ${(err as Error).message}`, { cause: err });
    }
    raw = mod.default;
    // A CommonJS-style double default (module.exports = { default }) when tsx treats it as CJS.
    if (raw && typeof raw === 'object' && 'default' in raw && !('device' in raw)) raw = (raw as { default: unknown }).default;
    if (raw === undefined) throw new ConfigError('config-invalid', `${abs}: no default export (write \`export default defineConfig({...})\`)`);
  } else {
    throw new ConfigError('config-invalid', `${abs}: unknown config type '${ext}' (use .ts or .json)`);
  }
  return { config: checkConfigShape(raw, abs), dir: dirname(abs), path: abs };
}

/** A .ts/.mts module through the fast loader, else (and for .js/.mjs) through tsx. */
async function importTs(abs: string, cacheDir: string, inputs?: Set<string>): Promise<unknown> {
  if (['.ts', '.mts'].includes(extname(abs))) {
    const { importTsFast, NotFastLoadable, configCacheDir } = await import('./ts-loader.js');
    try {
      return await importTsFast(abs, configCacheDir(cacheDir), { stripped: 0, cached: 0, inputs });
    } catch (err) {
      if (!(err instanceof NotFastLoadable)) throw err;
    }
  }
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(pathToFileURL(abs).href, import.meta.url);
}

/** Deepest nesting a config or lock may have: deeper values would overflow recursive walkers (merge, checks, messages). */
const MAX_NESTING = 64;

/** Whether arrays/objects in `v` nest deeper than `limit`; iterative, so any depth is safe to ask about. */
function nestedDeeperThan(v: unknown, limit: number): boolean {
  const todo: Array<[unknown, number]> = [[v, 0]];
  while (todo.length > 0) {
    const [x, depth] = todo.pop()!;
    if (x === null || typeof x !== 'object' || ArrayBuffer.isView(x)) continue;
    if (depth >= limit) return true;
    for (const c of Object.values(x)) todo.push([c, depth + 1]);
  }
  return false;
}

const KNOWN_KEYS = new Set(['device', 'hostname', 'lock', 'packages', 'modules', 'overlay', 'kernelCmdline', 'kernelPackage', 'outputs', '$schema']);

/** Check the top-level shape; module options are checked by the modules themselves. */
export function checkConfigShape(raw: unknown, where: string): NixwrtConfig {
  const bad = (msg: string): never => {
    throw new ConfigError('config-invalid', `${where}: ${msg}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('the config must be an object');
  if (nestedDeeperThan(raw, MAX_NESTING)) bad(`values nest deeper than ${MAX_NESTING} levels`);
  const c = raw as Record<string, unknown>;
  for (const k of Object.keys(c)) if (!KNOWN_KEYS.has(k)) bad(`unknown key '${k}'`);
  for (const k of ['device', 'hostname', 'lock'] as const) {
    if (typeof c[k] !== 'string' || c[k] === '') bad(`'${k}' must be a non-empty string`);
  }
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,62})$/.test(c.hostname as string)) bad(`hostname '${String(c.hostname)}' is not a valid host name`);
  const strList = (k: string) => {
    if (c[k] === undefined) return;
    if (!Array.isArray(c[k]) || !(c[k] as unknown[]).every((x) => typeof x === 'string')) bad(`'${k}' must be a list of strings`);
  };
  strList('packages');
  strList('kernelCmdline');
  if (c.kernelPackage !== undefined && typeof c.kernelPackage !== 'string') bad(`'kernelPackage' must be a string`);
  if (c.modules !== undefined) {
    if (!Array.isArray(c.modules)) bad(`'modules' must be a list of { name, options }`);
    (c.modules as unknown[]).forEach((m, i) => {
      if (typeof m !== 'object' || m === null || typeof (m as { name?: unknown }).name !== 'string') bad(`modules[${i}] must be { name: string, options?: {...} }`);
      const o = (m as { options?: unknown }).options;
      if (o !== undefined && (typeof o !== 'object' || o === null || Array.isArray(o))) bad(`modules[${i}] (${(m as { name: string }).name}): options must be an object`);
    });
  }
  if (c.overlay !== undefined) {
    const list = Array.isArray(c.overlay) ? c.overlay : [c.overlay];
    for (const o of list as unknown[]) {
      const ok = typeof o === 'object' && o !== null && (typeof (o as { dir?: unknown }).dir === 'string' || typeof (o as { tarball?: unknown }).tarball === 'string');
      if (!ok) bad(`overlay entries must be { dir: string } or { tarball: string }`);
    }
  }
  if (c.outputs !== undefined && (typeof c.outputs !== 'object' || c.outputs === null)) bad(`'outputs' must be an object`);
  return c as unknown as NixwrtConfig;
}

/** Read a lock file; a relative cache URL is resolved against the lock's directory. */
export async function loadLock(path: string): Promise<Lock> {
  const abs = resolve(path);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw new LockError('lock-not-found', `${abs}: cannot read lock file (${(err as Error).message})`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new LockError('lock-invalid', `${abs}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
  return parseLock(raw, abs);
}

export function parseLock(raw: unknown, abs: string): Lock {
  const bad = (msg: string): never => {
    throw new LockError('lock-invalid', `${abs}: ${msg}`);
  };
  const l = raw as Partial<LockFile>;
  if (typeof l !== 'object' || l === null) bad('not an object');
  if (nestedDeeperThan(l, MAX_NESTING)) bad(`values nest deeper than ${MAX_NESTING} levels`);
  if (l.version !== 1) bad(`unsupported version ${String(l.version)} (expected 1)`);
  if (typeof l.cache?.url !== 'string' || typeof l.cache.publicKey !== 'string') bad('cache.url and cache.publicKey must be strings');
  if (!/^[^:\s]+:[A-Za-z0-9+/]+=*$/.test(l.cache!.publicKey)) bad(`cache.publicKey '${l.cache!.publicKey}' is not name:base64`);
  if (typeof l.packages !== 'object' || l.packages === null) bad('packages must be an object');
  for (const [name, p] of Object.entries(l.packages!)) {
    if (typeof p !== 'string' || !/^\/nix\/store\/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+._?=-]+$/.test(p)) bad(`package ${name}: '${String(p)}' is not a store path`);
  }
  const url = l.cache!.url;
  const cacheUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : pathToFileURL(resolve(dirname(abs), url)).href;
  return { path: abs, cacheUrl, publicKey: l.cache!.publicKey, packages: { ...l.packages! } };
}

/** Resolve a package name; the error names the package, who asked and the lock. */
export function resolvePackage(lock: Lock, name: string, wantedBy: string): string {
  const p = Object.hasOwn(lock.packages, name) ? lock.packages[name] : undefined;
  if (p === undefined) {
    const known = Object.keys(lock.packages).sort().join(', ') || '(none)';
    throw new LockError('unknown-package', `unknown package '${name}' (wanted by ${wantedBy}): not in lock ${lock.path}; known: ${known}`);
  }
  return p;
}
