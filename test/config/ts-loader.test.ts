/**
 * The fast .ts config loader (src/config/ts-loader.ts): the same module values as tsx, the
 * stripped code reused from the cache, and tsx for what it does not handle.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { importTsFast, NotFastLoadable, type FastLoadStats } from '../../src/config/ts-loader.js';

const root = join(import.meta.dirname, '..', '..');
const types = pathToFileURL(join(root, 'src', 'config', 'types.js')).href;

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A config project under the repository's (ignored) tmp/, so package imports resolve. */
function project(files: Record<string, string>): string {
  mkdirSync(join(root, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(root, 'tmp', 'tsl-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('fast .ts loader', () => {
  it('loads examples/emu.ts to what tsx loads, and strips each file once', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'nixwrt-tsl-cache-'));
    const first: FastLoadStats = { stripped: 0, cached: 0 };
    const mod = (await importTsFast(join(root, 'examples', 'emu.ts'), cache, first)) as { default: unknown };
    const { tsImport } = await import('tsx/esm/api');
    const viaTsx = (await tsImport(pathToFileURL(join(root, 'examples', 'emu.ts')).href, import.meta.url)) as { default: unknown };
    expect(mod.default).toEqual(viaTsx.default);
    // emu.ts only: `nixwrt-ts` is the package's compiled JavaScript
    expect(first).toEqual({ stripped: 1, cached: 0 });
    const again: FastLoadStats = { stripped: 0, cached: 0 };
    await importTsFast(join(root, 'examples', 'emu.ts'), cache, again);
    expect(again).toEqual({ stripped: 0, cached: 1 });
  });

  it('an edited config is a new module (never the one imported before), its imports come from the cache', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'nixwrt-tsl-cache-'));
    const dir = project({
      'c.ts': `import { n } from './lib/n.js';\nconst host: string = 'a' + n;\nexport default { host };\n`,
      'lib/n.ts': `export const n: number = 1;\n`,
    });
    expect(((await importTsFast(join(dir, 'c.ts'), cache)) as { default: unknown }).default).toEqual({ host: 'a1' });
    writeFileSync(join(dir, 'c.ts'), `import { n } from './lib/n.js';\nconst host: string = 'b' + n;\nexport default { host };\n`);
    const stats: FastLoadStats = { stripped: 0, cached: 0 };
    expect(((await importTsFast(join(dir, 'c.ts'), cache, stats)) as { default: unknown }).default).toEqual({ host: 'b1' });
    expect(stats).toEqual({ stripped: 1, cached: 1 });
  });

  it('points imports at files whose paths need escaping', async () => {
    // A single-quoted specifier naming a .js file (imported by its own URL, which keeps the ').
    const dir = project({ "it's here/n.js": `export const n = 7;\n`, 'c.ts': `import { n } from './it\\'s here/n.js';\nexport default n as number;\n` });
    const mod = (await importTsFast(join(dir, 'c.ts'), mkdtempSync(join(tmpdir(), 'nixwrt-tsl-cache-')))) as { default: number };
    expect(mod.default).toBe(7);
  });

  it('gives import.meta.url, dirname and filename of the source file', async () => {
    const dir = project({ 'm.ts': `export default [import.meta.url, import.meta.dirname, import.meta.filename];\n` });
    const mod = (await importTsFast(join(dir, 'm.ts'), mkdtempSync(join(tmpdir(), 'nixwrt-tsl-cache-')))) as { default: string[] };
    expect(mod.default).toEqual([pathToFileURL(join(dir, 'm.ts')).href, dir, join(dir, 'm.ts')]);
  });

  it('a damaged cache entry is stripped again', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'nixwrt-tsl-cache-'));
    const dir = project({ 'd.ts': `const x: number = 41;\nexport default x + 1;\n` });
    await importTsFast(join(dir, 'd.ts'), cache);
    const entry = readdirSync(cache).find((f) => f.startsWith('strip-'))!;
    writeFileSync(join(cache, entry), '//0000\nexport default 0;\n');
    const stats: FastLoadStats = { stripped: 0, cached: 0 };
    expect(((await importTsFast(join(dir, 'd.ts'), cache, stats)) as { default: number }).default).toBe(42);
    expect(stats.stripped).toBe(1);
  });

  const tsxCases: Array<[string, Record<string, string>]> = [
    ['a package import', { 'c.ts': `import { Command } from 'commander';\nexport default { device: typeof Command };\n` }],
    ['an import cycle', { 'c.ts': `import { b } from './b.js';\nexport const a = 1;\nexport default { b };\n`, 'b.ts': `import { a } from './c.js';\nexport const b = () => a;\n` }],
    ['import.meta.resolve', { 'c.ts': `export default { r: import.meta.resolve('./c.ts') };\n` }],
    ['a computed dynamic import', { 'c.ts': `const m = './x.js';\nexport default { p: import(m) };\n` }],
    ['no module syntax', { 'c.ts': `module.exports = { default: 1 };\n` }],
  ];
  for (const [what, files] of tsxCases) {
    it(`leaves ${what} to tsx`, async () => {
      const dir = project(files);
      await expect(importTsFast(join(dir, 'c.ts'), mkdtempSync(join(tmpdir(), 'nixwrt-tsl-cache-')))).rejects.toBeInstanceOf(NotFastLoadable);
    });
  }

  it('loadConfig falls back to tsx for a package import and still loads the config', async () => {
    const dir = project({
      'c.ts': `import { defineConfig } from '${types}';\nimport { Command } from 'commander';\nexport default defineConfig({ device: 'qemu-malta', hostname: typeof Command === 'function' ? 'tsx' : 'x', lock: 'lock.json' });\n`,
    });
    const { config } = await loadConfig(join(dir, 'c.ts'), { cacheDir: mkdtempSync(join(tmpdir(), 'nixwrt-tsl-cache-')) });
    expect(config.hostname).toBe('tsx');
  });

  it("resolves 'nixwrt-ts' outside any package to the running copy, and to config/types.js when that is all it takes", async () => {
    // Under the system temp directory: no node_modules/nixwrt-ts on the way up.
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-outside-'));
    made.push(dir);
    writeFileSync(join(dir, 'light.ts'), `import { defineConfig, override } from 'nixwrt-ts';\nexport default defineConfig({ device: 'qemu-malta', hostname: 'a', lock: 'l.json', x: override(1) } as never);\n`);
    writeFileSync(join(dir, 'full.mjs'), `import { defineConfig, parseLock } from 'nixwrt-ts';\nexport default defineConfig({ device: 'qemu-malta', hostname: typeof parseLock, lock: 'l.json' });\n`);
    const cache = mkdtempSync(join(tmpdir(), 'nixwrt-tsl-cache-'));
    const light = (await importTsFast(join(dir, 'light.ts'), cache)) as { default: { x: unknown } };
    expect(light.default.x).toEqual({ __nixwrtOverride: true, value: 1 });
    const compiled = readdirSync(cache).filter((f) => !f.startsWith('strip-')).map((f) => readFileSync(join(cache, f), 'utf8'));
    expect(compiled.join('\n')).toContain(JSON.stringify(pathToFileURL(join(root, 'dist', 'src', 'config', 'types.js')).href));
    // A name beyond config/types.js: the package entry. A .mjs config goes the same way.
    const full = (await importTsFast(join(dir, 'full.mjs'), cache)) as { default: { hostname: string } };
    expect(full.default.hostname).toBe('function');
  });

  it('reports an error thrown by the config as a load failure', async () => {
    const dir = project({ 'c.ts': `throw new Error('boom from config');\nexport default {};\n` });
    await expect(loadConfig(join(dir, 'c.ts'), { cacheDir: mkdtempSync(join(tmpdir(), 'nixwrt-tsl-cache-')) })).rejects.toMatchObject({
      code: 'config-load-failed',
      message: expect.stringMatching(/boom from config/),
    });
  });
});
