import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultCacheDir } from '../util/cache-dir.js';
import { JsonSyntaxError, parseJson } from '../util/json.js';
import { ConfigError, LockError } from './errors.js';
import type { Lock, LockFile, NixwrtConfig } from './types.js';

export interface LoadOptions {
  /** Where compiled .ts configs are kept (default: the default cache directory). */
  cacheDir?: string;
  /** Collects the files the config was read from (the file, its local imports), for watchers. */
  inputs?: Set<string>;
}

/**
 * Load a config file: `.json` is parsed, `.ts`/`.mts`/`.js`/`.mjs` go through the fast loader
 * (ts-loader.ts) and, for what that does not handle, through tsx's tsImport when installed
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
      raw = parseJson(text);
    } catch (err) {
      throw new ConfigError('config-load-failed', `${jsonWhere(abs, err)}: invalid JSON (${(err as Error).message})`, { cause: err });
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
      throw new ConfigError('config-load-failed', `${await throwSite(err, abs)}: ${(err as Error).message}`, { cause: err });
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

/**
 * A config module through the fast loader (.js/.mjs too: it points their imports at files, so
 * `nixwrt-ts` resolves outside any package), else through tsx when it is installed (an
 * optional peer dependency: it and esbuild are ~10 MB most users never need).
 */
async function importTs(abs: string, cacheDir: string, inputs?: Set<string>): Promise<unknown> {
  const { importTsFast, NotFastLoadable, configCacheDir } = await import('./ts-loader.js');
  let why: string;
  try {
    return await importTsFast(abs, configCacheDir(cacheDir), { stripped: 0, cached: 0, inputs });
  } catch (err) {
    if (!(err instanceof NotFastLoadable)) throw err;
    why = err.message;
  }
  let tsx: typeof import('tsx/esm/api');
  try {
    tsx = await import('tsx/esm/api');
  } catch (err) {
    throw new Error(`${why}; configs like this one need tsx: install it next to nixwrt-ts (npm install tsx)`, { cause: err });
  }
  return tsx.tsImport(pathToFileURL(abs).href, import.meta.url);
}

/**
 * `file:line` of the config code an error was thrown from: the first stack frame in a config
 * module (compiled by the fast loader, or the source itself under tsx), else the config file.
 */
async function throwSite(err: unknown, abs: string): Promise<string> {
  const { sourceOfCompiled } = await import('./ts-loader.js');
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  // Frames name file URLs, or plain paths where a test runner loaded the module.
  for (const m of stack.matchAll(/((?:file:\/\/)?\/[^\s()]+?):(\d+):\d+/g)) {
    const url = m[1]!.startsWith('file:') ? m[1]! : pathToFileURL(m[1]!).href;
    const src = sourceOfCompiled(url) ?? (url === pathToFileURL(abs).href ? abs : undefined);
    if (src !== undefined) return `${src}:${m[2]}`;
  }
  return abs;
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
  const device = c.device;
  if (typeof device !== 'string' && (typeof device !== 'object' || device === null || Array.isArray(device))) bad(`'device' must be a device name or a device object`);
  for (const k of ['hostname', 'lock', ...(typeof device === 'string' ? (['device'] as const) : [])] as const) {
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
  if (c.outputs !== undefined) checkOutputs(c.outputs, bad);
  return c as unknown as NixwrtConfig;
}

const OUTPUT_NAMES = ['firmware', 'phramware', 'emulator', 'tftpboot', 'flash', 'manifest'];
const COMPRESSIONS = ['xz', 'zstd', 'gzip', 'none'];

function checkOutputs(o: unknown, bad: (msg: string) => never): void {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) bad(`'outputs' must be an object`);
  const w = o as Record<string, unknown>;
  for (const k of Object.keys(w)) if (!['wanted', 'compression', 'padjffs2'].includes(k)) bad(`outputs.${k}: unknown key (known: wanted, compression, padjffs2)`);
  if (w.wanted !== undefined) {
    if (!Array.isArray(w.wanted)) bad(`outputs.wanted must be a list of ${OUTPUT_NAMES.join(', ')}`);
    (w.wanted as unknown[]).forEach((x, i) => {
      if (typeof x !== 'string' || !OUTPUT_NAMES.includes(x)) bad(`outputs.wanted[${i}]: ${JSON.stringify(x)} is not an output (one of ${OUTPUT_NAMES.join(', ')})`);
    });
  }
  if (w.compression === 'lzma') bad(`outputs.compression 'lzma': squashfs images are LZMA-compressed with 'xz' (Linux reads no squashfs lzma); write 'xz'`);
  if (w.compression !== undefined && !COMPRESSIONS.includes(w.compression as string)) bad(`outputs.compression ${JSON.stringify(w.compression)}: expected one of ${COMPRESSIONS.join(', ')}`);
  if (w.padjffs2 !== undefined && typeof w.padjffs2 !== 'boolean') bad(`outputs.padjffs2 must be true or false`);
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
    raw = parseJson(text);
  } catch (err) {
    throw new LockError('lock-invalid', `${jsonWhere(abs, err)}: invalid JSON (${(err as Error).message})`, { cause: err });
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

/** `file:line:col` of a JSON syntax error. */
export function jsonWhere(file: string, err: unknown): string {
  return err instanceof JsonSyntaxError ? `${file}:${err.line}:${err.column}` : file;
}

/** Resolve a package name; the error names the package, who asked and the lock. */
export function resolvePackage(lock: Lock, name: string, wantedBy: string): string {
  const p = Object.hasOwn(lock.packages, name) ? lock.packages[name] : undefined;
  if (p === undefined && name.startsWith('/')) {
    throw new LockError('not-a-store-path', `${JSON.stringify(name)} (wanted by ${wantedBy}) is not a store path (expected /nix/store/<32 characters of hash>-<name>) nor a package name`);
  }
  if (p === undefined) {
    const known = Object.keys(lock.packages).sort().join(', ') || '(none)';
    throw new LockError('unknown-package', `unknown package '${name}' (wanted by ${wantedBy}): not in lock ${lock.path}; known: ${known}`);
  }
  return p;
}
