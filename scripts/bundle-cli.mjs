#!/usr/bin/env node
// `npm run build` (after tsc): bundles the compiled CLI, dist/src/cli/main.js, into dist/cli/.
// Every process resolves and translates the ESM graph it loads; ~40 files of it cost ~40 ms
// per command, a few chunks far less. Code splitting keeps lazily imported commands lazy.
// Packages stay external except commander (plain JS, loaded by every command): the others hold
// native code, their own worker or loader files, or load lazily anyway. Worker threads still
// run dist/src/ (their entries are found through packageRoot()). The library is not bundled.
import { rmSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const bundled = new Set(['commander']);
const outdir = join(root, 'dist', 'cli');

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: join(root, 'dist', 'src', 'cli', 'main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  external: [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies ?? {})].filter((d) => !bundled.has(d)),
  // src/util/module-dir.ts: modules that find their own folder's files.
  define: { NIXWRT_BUNDLED: 'true' },
  // commander is CommonJS: its require()s of Node builtins need a require in ESM output.
  banner: { js: "import { createRequire as __nixwrtCreateRequire } from 'node:module';\nconst require = __nixwrtCreateRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
});
