// Pipeline benchmark: `nixwrt build` of examples/emu.ts cold (empty cache dir) and warm (same
// cache and output dir, hostname changed), against a script of the classic tools doing what
// NixWRT's derivations do with the same inputs (src/bench/classic.ts: mksquashfs -comp xz;
// objcopy -O binary, lzma_alone, mkimage, dd). The library pair runs in one process (what
// `nixwrt bench` does); the CLI pair runs each build as its own `nixwrt build` process, start-up
// included. Prints a Markdown section.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchConfig } from '../../dist/src/bench/compare.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'nixwrt-bench-pipeline-'));
const example = join(root, 'examples', 'emu.ts');
// Through bin/nixwrt, the sh launcher users run (it keeps NODE_EXTRA_CA_CERTS from Node's start).
const nixwrtBin = join(root, 'bin', 'nixwrt');
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

// Copies differing only in their hostname, as a developer's edit would.
const edited = (host) => {
  const file = join(root, 'examples', `.bench-${host}.ts`);
  writeFileSync(file, readFileSync(example, 'utf8').replace("hostname: 'emu'", `hostname: '${host}'`));
  return file;
};
const warmFile = edited('emu2');
// Two more in-process warm builds, each another hostname: the ratio uses the median of three.
const moreWarm = [edited('emu5'), edited('emu6')];
const cliWarmFile = edited('emu3');
const watchFile = edited('emu4');
const loadStart = load();
let r;
const cli = {};
try {
  r = await benchConfig({ config: example, warmConfig: warmFile, moreWarmConfigs: moreWarm, work: join(work, 'lib') });
  const nixwrt = (config) => {
    const t = performance.now();
    execFileSync(nixwrtBin, ['build', config, '--out', join(work, 'cli-out'), '--cache-dir', join(work, 'cli-cache')], { stdio: ['ignore', 'ignore', 'inherit'] });
    return performance.now() - t;
  };
  cli.cold = nixwrt(example);
  cli.warm = nixwrt(cliWarmFile);
  cli.watch = await watchLatency(watchFile);
} finally {
  rmSync(warmFile, { force: true });
  for (const f of moreWarm) rmSync(f, { force: true });
  rmSync(cliWarmFile, { force: true });
  rmSync(watchFile, { force: true });
}

// `nixwrt build --watch`: from saving a hostname edit to the "built" line (polling included);
// the median of three edits, after the watch's own cold build.
async function watchLatency(config) {
  const child = spawn(nixwrtBin, ['build', config, '--watch', '--out', join(work, 'watch-out'), '--cache-dir', join(work, 'watch-cache')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buffered = '';
  let waiting;
  child.stdout.on('data', (d) => {
    buffered += d;
    if (waiting && /\nbuilt in /.test(`\n${buffered}`)) {
      buffered = '';
      waiting();
    }
  });
  const built = () => new Promise((r) => (waiting = r));
  try {
    await built();
    const times = [];
    for (const host of ['w1', 'w2', 'w3']) {
      await new Promise((r) => setTimeout(r, 300));
      const text = readFileSync(config, 'utf8').replace(/hostname: '[^']*'/, `hostname: '${host}'`);
      const t = performance.now();
      const done = built();
      writeFileSync(config, text);
      await done;
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[1];
  } finally {
    child.kill('SIGINT');
  }
}

const classic = r.classic;
const squash = classic.steps[0];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const row = (label, ms) => `| ${label} | ${s(ms)} | ${(ms / squash.ms).toFixed(2)}× | ${(ms / classic.totalMs).toFixed(2)}× |`;
const stages = (b) => b.result.timings.map((x) => `${x.stage} ${s(x.ms)}`).join(', ');
const pct = (a, b) => `${((a / b) * 100).toFixed(1)} %`;
console.log(`## pipeline (incremental builds, examples/emu.ts)

Machine: ${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}. Command: \`npm run bench -- pipeline\`.
Load average (1, 5, 15 min): ${loadStart} at start, ${load()} at the end.

Warm rebuild after a hostname change, in one process (\`nixwrt bench\`, library): **${pct(r.warm.ms, r.cold.ms)} of the cold build** (goal ≤ 5 %; median of three warm builds, each after another hostname change: ${r.warmRuns.map((w) => pct(w.ms, r.cold.ms)).join(', ')}).
Each as its own \`nixwrt build\` process (start-up included): warm ${pct(cli.warm, cli.cold)} of cold.
With \`nixwrt build --watch\` (one process stays up; from saving the edit to the "built" line, polling included): ${s(cli.watch)}, ${pct(cli.watch, cli.cold)} of the cold \`nixwrt build\` process, ${pct(cli.watch, r.cold.ms)} of the in-process cold build.

| step | wall | vs mksquashfs | vs classic script |
|---|---|---|---|
${row('nixwrt build, cold (empty cache dir)', r.cold.ms)}
${row('nixwrt build, warm (hostname changed, same out dir)', r.warm.ms)}
${row('`nixwrt build` process, cold', cli.cold)}
${row('`nixwrt build` process, warm (hostname changed)', cli.warm)}
${row('`nixwrt build --watch`, save → built (hostname changed)', cli.watch)}
${classic.steps.map((st) => row(`${st.label}${st === squash ? ' (same tree)' : ''}`, st.ms)).join('\n')}
${row('classic script, total', classic.totalMs)}

The emulator output needs no kernel packaging (QEMU boots the vmlinux), so "vs mksquashfs" is
the like-for-like ratio; the classic script also packages the same vmlinux as a uImage, as a
flash device's derivations would.

Rootfs: ours ${r.rootfsBytes.ours} bytes; mksquashfs ${r.rootfsBytes.classic} bytes.
Artefact cache: cold ${JSON.stringify(r.cold.result.cache)}; warm ${JSON.stringify(r.warm.result.cache)}.

Stages (cold): ${stages(r.cold)}.
Stages (warm): ${stages(r.warm)}.
`);
execFileSync('rm', ['-rf', work]);
