/**
 * The device-tree test sources (test/dt/fixtures) as an in-memory file system under /fuzz:
 * includes resolve against it and nothing else, so a mutated path never reads the host.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './paths.js';

const DIRS = [join(ROOT, 'test', 'dt', 'fixtures', 'cpp'), join(ROOT, 'test', 'dt', 'fixtures', 'plain')];

function walk(dir: string, base: string, out: Map<string, string>): void {
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, base, out);
    else out.set(`/fuzz/${relative(base, p)}`, readFileSync(p, 'latin1'));
  }
}

export const DT_FILES: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  for (const d of DIRS) walk(d, d, m);
  return m;
})();

export const DT_OPTIONS = { includeDirs: ['/fuzz', '/fuzz/inc'], readFile: (p: string) => DT_FILES.get(p), filename: '/fuzz/main.dts' };

export function dtsSeeds(): string[] {
  return [...DT_FILES].filter(([p]) => p.endsWith('.dts')).map(([, t]) => t);
}
