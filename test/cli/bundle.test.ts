import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleDir } from '../../src/util/module-dir.js';
import { packageRoot } from '../../src/util/package-root.js';

// The bundled CLI (scripts/bundle-cli.mjs, run by `npm run build` and so by `npm test`).
const root = packageRoot();
const entry = join(root, 'bin', 'nixwrt.js');

/** The ES module files a CLI process loaded (Node's own esm debug log names each one once). */
function loadedModules(args: string[]): string[] {
  const r = spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', env: { ...process.env, NODE_DEBUG: 'esm' } });
  expect(r.status, r.stderr).toBe(0);
  return [...r.stderr.matchAll(/Storing (file:\/\/\S+)/g)].map((m) => m[1]!.slice(`file://${root}/`.length));
}

describe('the bundled CLI', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'nixwrt-bundle-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('is built, and newer than the tsc output it was made from (run `npm run build` if not)', () => {
    const bundle = statSync(join(root, 'dist', 'cli', 'main.js'), { throwIfNoEntry: false });
    expect(bundle, 'dist/cli/main.js missing: `npm run build`').toBeDefined();
    expect(bundle!.mtimeMs, 'dist/cli/ older than dist/src/: `npm run build`').toBeGreaterThanOrEqual(statSync(join(root, 'dist', 'src', 'cli', 'main.js')).mtimeMs);
  });

  it('is what bin/nixwrt.js runs: --version and mksquashfs load no dist/src module', () => {
    const version = loadedModules(['--version']);
    expect(version).toContain('dist/cli/main.js');
    expect(version.filter((m) => !m.startsWith('dist/cli/') && m !== 'bin/nixwrt.js')).toEqual([]);
    const src = join(work, 'tree');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'x');
    const mk = loadedModules(['mksquashfs', src, join(work, 'out.img'), '--comp', 'gzip']);
    expect(mk.filter((m) => !m.startsWith('dist/cli/') && m !== 'bin/nixwrt.js')).toEqual([]);
    // The command's own modules come in on demand: more than --version loaded.
    expect(mk.length).toBeGreaterThan(version.length);
  });

  it('bin/nixwrt.js falls back to dist/src/ when the bundle is missing or older', () => {
    // A copy of bin/nixwrt.js beside two stub CLIs that say which one ran.
    const pkg = join(work, 'pkg');
    mkdirSync(join(pkg, 'bin'), { recursive: true });
    copyFileSync(entry, join(pkg, 'bin', 'nixwrt.js'));
    const stub = (dir: string, name: string): string => {
      mkdirSync(join(pkg, dir), { recursive: true });
      const file = join(pkg, dir, 'main.js');
      writeFileSync(file, `export async function main() { process.stdout.write('${name}'); }\n`);
      return file;
    };
    const ran = (): string => spawnSync(process.execPath, [join(pkg, 'bin', 'nixwrt.js'), '--version'], { encoding: 'utf8' }).stdout;
    const unbundled = stub('dist/src/cli', 'src');
    expect(ran()).toBe('src');
    const bundle = stub('dist/cli', 'bundle');
    const t = Date.now() / 1000;
    utimesSync(unbundled, t - 10, t - 10);
    utimesSync(bundle, t, t);
    expect(ran()).toBe('bundle');
    utimesSync(unbundled, t + 10, t + 10);
    expect(ran()).toBe('src');
  });

  it('moduleDir finds a source folder from src/ (the bundle uses dist/src/)', () => {
    expect(moduleDir('squashfs')).toBe(join(root, 'src', 'squashfs'));
    expect(statSync(join(moduleDir('squashfs'), 'index.ts')).isFile()).toBe(true);
  });
});
