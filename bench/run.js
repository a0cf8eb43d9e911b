#!/usr/bin/env node
// `npm run bench [-- NAME...]`: runs bench/NAME/run.mjs for each benchmark (all by default).
// Each benchmark times our code against the peer tool in the same run and prints a
// Markdown section; copy it into bench/RESULTS.md with the machine and command.
import { readdirSync, existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'run.mjs')))
  .map((d) => d.name)
  .sort();
const names = wanted.length > 0 ? wanted : all;
// bin/nixwrt.js runs the bundled CLI only when it is current; after a `tsc -p .` alone the
// benchmarks would time the slower unbundled start-up without saying so.
const mtime = (rel) => statSync(join(here, '..', rel), { throwIfNoEntry: false })?.mtimeMs ?? -1;
if (mtime('dist/cli/main.js') < mtime('dist/src/cli/main.js')) {
  console.error('bench: dist/cli/ (the bundled CLI) is missing or older than dist/src/: the CLI runs unbundled; `npm run build` first');
}
let failed = false;
for (const name of names) {
  if (!all.includes(name)) {
    console.error(`bench: no benchmark named ${name} (have: ${all.join(', ')})`);
    failed = true;
    continue;
  }
  // bin/nixwrt (the launcher the benchmarks run) starts the `node` on PATH: make it this one.
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  const r = spawnSync(process.execPath, [join(here, name, 'run.mjs')], { stdio: 'inherit', env });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
