/**
 * A fast loader for .ts/.mts configs: strip the types with sucrase, point every import at an
 * absolute URL (relative .ts imports compiled the same way), write the result into the cache
 * directory named by its own SHA-256, and import that. tsx's tsImport (loader hooks on a thread
 * of their own, an esbuild process) costs 0.3-0.9 s per load; this costs a few ms once sucrase
 * is loaded, and nothing more when a file is unchanged (its stripped code is cached on the
 * source's hash, so sucrase is not even loaded).
 *
 * Anything this loader does not handle the way tsx would returns `undefined` and the caller
 * uses tsx: a bare package import (its "import" condition may differ from what we could
 * resolve; `nixwrt-ts` itself is resolved here, see resolveSelf), import cycles, `import.meta` beyond url/dirname/filename, dynamic imports of
 * computed names, files without module syntax (CommonJS), and syntax sucrase rejects.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../util/atomic-write.js';
import { packageRoot } from '../util/package-root.js';

/** Bumped when the stripped code for the same source would change (sucrase options, this file). */
const STRIP_VERSION = 'sucrase-3/1';

/** Why a file went to tsx, for tests and --timings. */
export class NotFastLoadable extends Error {}

export interface FastLoadStats {
  /** Files whose types were stripped now (0 when every file was in the cache). */
  stripped: number;
  /** Files compiled from the cache of stripped code. */
  cached: number;
  /** Collects every source file the module read (itself and its local imports), for watchers. */
  inputs?: Set<string>;
}

type Lexer = typeof import('es-module-lexer');
type Sucrase = typeof import('sucrase');

let lexer: Promise<Lexer> | undefined;
let sucrase: Promise<Sucrase> | undefined;

function loadLexer(): Promise<Lexer> {
  lexer ??= import('es-module-lexer').then(async (m) => {
    await m.init;
    return m;
  });
  return lexer;
}

/**
 * Import a .ts/.mts module through the cache directory `dir`. Throws NotFastLoadable when the
 * file needs tsx; other errors (the module's own) propagate.
 */
export async function importTsFast(path: string, dir: string, stats: FastLoadStats = { stripped: 0, cached: 0 }): Promise<unknown> {
  let url: string;
  try {
    url = await compile(resolve(path), dir, stats, new Set());
  } catch (err) {
    // The lexer's syntax errors, an unwritable cache directory: tsx may still manage.
    throw err instanceof NotFastLoadable ? err : new NotFastLoadable((err as Error).message, { cause: err });
  }
  return import(url);
}

/** Compile one file (and its relative TS imports); returns the file URL of the compiled module. */
async function compile(path: string, dir: string, stats: FastLoadStats, stack: Set<string>): Promise<string> {
  if (stack.has(path)) throw new NotFastLoadable(`import cycle through ${path}`);
  stack.add(path);
  stats.inputs?.add(path);
  const source = readFileSync(path, 'utf8');
  const code = await stripped(path, source, dir, stats);
  const { parse } = await loadLexer();
  const [imports, , , hasModuleSyntax] = parse(code, path);
  if (!hasModuleSyntax) throw new NotFastLoadable(`${path} has no import or export (CommonJS?)`);

  const fileUrl = pathToFileURL(path).href;
  let out = '';
  let at = 0;
  for (const imp of imports) {
    if (imp.d === -2) {
      // import.meta: only the three plain properties, as values of the original file.
      const prop = /^\.(url|dirname|filename)\b/.exec(code.slice(imp.e, imp.e + 10));
      if (!prop) throw new NotFastLoadable(`${path} uses import.meta beyond url, dirname and filename`);
      const value = prop[1] === 'url' ? fileUrl : prop[1] === 'dirname' ? dirname(path) : path;
      out += code.slice(at, imp.s) + JSON.stringify(value);
      at = imp.e + prop[0].length;
      continue;
    }
    if (imp.n === undefined) throw new NotFastLoadable(`${path} imports a computed name`);
    const statement = imp.d === -1 ? code.slice(imp.ss, imp.se) : undefined;
    const target = await resolveImport(imp.n, path, dir, stats, stack, statement);
    // Dynamic imports' ranges include the quotes; static ones do not: replace the whole literal.
    const [s, e] = imp.d >= 0 ? [imp.s, imp.e] : [imp.s - 1, imp.e + 1];
    out += code.slice(at, s) + JSON.stringify(target);
    at = e;
  }
  out += code.slice(at);
  stack.delete(path);

  const name = `${createHash('sha256').update(out).digest('hex')}.mjs`;
  const file = join(dir, name);
  // Named by its hash and compared whole before use, so no fsync is needed.
  if (readText(file) !== out) await writeFileAtomic(file, Buffer.from(out), { durable: false });
  const href = pathToFileURL(file).href;
  compiledFrom.set(href, path);
  return href;
}

/** Compiled module URL → its source file (sucrase keeps line numbers: errors can name the source line). */
const compiledFrom = new Map<string, string>();

export function sourceOfCompiled(url: string): string | undefined {
  return compiledFrom.get(url);
}

/** The type-stripped code of `source`, from the cache when the same source was stripped before. */
async function stripped(path: string, source: string, dir: string, stats: FastLoadStats): Promise<string> {
  // Plain JavaScript (.js/.mjs configs) has no types to strip: only its imports are pointed.
  if (!['.ts', '.mts'].includes(extname(path))) return source;
  const key = createHash('sha256').update(`${STRIP_VERSION}\0${source}`).digest('hex');
  const file = join(dir, `strip-${key}.js`);
  const hit = readCached(file);
  if (hit !== undefined) {
    stats.cached++;
    return hit;
  }
  sucrase ??= import('sucrase');
  const { transform } = await sucrase;
  let code: string;
  try {
    code = transform(source, { transforms: ['typescript'], disableESTransforms: true, filePath: path }).code;
  } catch (err) {
    throw new NotFastLoadable(`sucrase: ${(err as Error).message}`);
  }
  stats.stripped++;
  // First line: the SHA-256 of the rest, so a torn write is a miss, not broken code.
  await writeFileAtomic(file, Buffer.from(`//${createHash('sha256').update(code).digest('hex')}\n${code}`), { durable: false });
  return code;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readCached(file: string): string | undefined {
  const text = readText(file);
  if (text === undefined) return undefined;
  const nl = text.indexOf('\n');
  const code = text.slice(nl + 1);
  return nl === 66 && text.slice(2, 66) === createHash('sha256').update(code).digest('hex') ? code : undefined;
}

const BUILTINS = new Set(builtinModules);

async function resolveImport(spec: string, from: string, dir: string, stats: FastLoadStats, stack: Set<string>, statement?: string): Promise<string> {
  if (spec.startsWith('node:') || BUILTINS.has(spec)) return spec;
  let base: string;
  if (spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/')) base = resolve(dirname(from), spec);
  else if (spec.startsWith('file:')) base = fileURLToPath(spec);
  else if (spec === SELF || spec.startsWith(`${SELF}/`)) return resolveSelf(spec, from, statement);
  else throw new NotFastLoadable(`${from} imports the package '${spec}'`);
  const file = findFile(base);
  if (!file) throw new NotFastLoadable(`${from}: cannot resolve '${spec}'`);
  const ext = extname(file);
  if (ext === '.ts' || ext === '.mts') return compile(file, dir, stats, stack);
  if (ext === '.js' || ext === '.mjs' || ext === '.json') {
    stats.inputs?.add(file);
    return pathToFileURL(file).href;
  }
  throw new NotFastLoadable(`${from} imports a ${ext || 'extensionless'} file: ${file}`);
}

/** Our own package name: configs import defineConfig and friends from it. */
const SELF = 'nixwrt-ts';

/**
 * `nixwrt-ts` (or a subpath it exports) as Node would resolve it from the config's location (a
 * project with nixwrt-ts installed uses that copy); a config outside any such project gets the
 * running CLI's own package. Our "exports" name plain ESM files under one "default" condition,
 * so require's resolver finds the same file as import's would.
 */
function resolveSelf(spec: string, from: string, statement?: string): string {
  let file: string;
  try {
    file = createRequire(from).resolve(spec);
  } catch {
    try {
      // A self-reference from inside our own package resolves through its "exports".
      file = createRequire(join(packageRoot(), 'package.json')).resolve(spec);
    } catch (err) {
      throw new NotFastLoadable(`${from}: cannot resolve '${spec}' (${(err as Error).message.split('\n')[0]})`);
    }
  }
  // The package entry loads the whole library (~100 ms); a config that takes only names of
  // config/types.js gets that module, the very one the entry re-exports (same bindings).
  const names = statement !== undefined && spec === SELF ? /^import\s*\{([^}]*)\}\s*from\s*['"]/.exec(statement)?.[1] : undefined;
  if (names !== undefined) {
    const light = join(dirname(file), 'config', 'types.js');
    const all = names.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!).filter((n) => n !== '');
    if (all.every((n) => CONFIG_TYPES_VALUES.has(n)) && statSync(light, { throwIfNoEntry: false })?.isFile()) return pathToFileURL(light).href;
  }
  return pathToFileURL(file).href;
}

/** The values src/config/types.ts exports (everything else there is a type, stripped before). */
const CONFIG_TYPES_VALUES = new Set(['defineConfig', 'override', 'isOverride']);

/** The file an import names, the way tsx finds it: as written, then .js → .ts, then added extensions. */
function findFile(base: string): string | undefined {
  const isFile = (p: string) => statSync(p, { throwIfNoEntry: false })?.isFile() === true;
  const ext = extname(base);
  const candidates = [base];
  if (ext === '.js') candidates.push(`${base.slice(0, -3)}.ts`);
  else if (ext === '.mjs') candidates.push(`${base.slice(0, -4)}.mts`);
  else if (ext === '') candidates.push(...['.ts', '.mts', '.js', '.mjs'].map((e) => base + e), join(base, 'index.ts'), join(base, 'index.js'));
  return candidates.find(isFile);
}

/** The directory for compiled configs under a cache directory. */
export function configCacheDir(cacheDir: string): string {
  return join(cacheDir, 'config-js');
}

