// Pipeline benchmark: `nixwrt build` of examples/emu.ts, cold (empty cache dir) and warm
// (same cache dir, hostname changed), against the classic tools doing the image step
// NixWRT's derivations do (mksquashfs -comp xz over the same tree). Prints a Markdown section.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../../dist/src/build.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'nixwrt-bench-pipeline-'));
const cacheDir = join(work, 'cache');
const example = join(root, 'examples', 'emu.ts');

async function timed(label, fn) {
  const t = performance.now();
  const r = await fn();
  return { label, ms: performance.now() - t, r };
}

const cold = await timed('nixwrt build (cold: empty cache dir)', () => build({ config: example, outDir: join(work, 'cold'), cacheDir }));
// A second config differing only in its hostname, as a developer's edit would.
const src = readFileSync(example, 'utf8').replace("hostname: 'emu'", "hostname: 'emu2'").replaceAll("'../", `'${root}/`);
const edited = join(root, 'examples', '.bench-emu2.ts');
writeFileSync(edited, src);
let warm;
try {
  warm = await timed('nixwrt build (warm: hostname changed)', () => build({ config: edited, outDir: join(work, 'warm'), cacheDir }));
} finally {
  execFileSync('rm', ['-f', edited]);
}
const tree = join(work, 'tree');
execFileSync('unsquashfs', ['-no-xattrs', '-d', tree, join(work, 'cold', 'emulator', 'rootfs.squashfs')], { stdio: 'ignore' });
const classic = await timed('mksquashfs -comp xz (same tree)', () =>
  execFileSync('mksquashfs', [tree, join(work, 'classic.sqfs'), '-comp', 'xz', '-all-root', '-noappend', '-quiet']),
);

const row = (t) => `| ${t.label} | ${(t.ms / 1000).toFixed(2)} s | ${(t.ms / classic.ms).toFixed(2)}× |`;
console.log(`## pipeline (examples/emu.ts)

Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}. Command: \`npm run bench -- pipeline\`.

| step | wall | vs mksquashfs |
|---|---|---|
${row(cold)}
${row(warm)}
${row(classic)}

Stages (cold): ${cold.r.timings.map((s) => `${s.stage} ${(s.ms / 1000).toFixed(2)} s`).join(', ')}.
Stages (warm): ${warm.r.timings.map((s) => `${s.stage} ${(s.ms / 1000).toFixed(2)} s`).join(', ')}.
`);
