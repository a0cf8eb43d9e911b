#!/usr/bin/env node
// SquashFS writer benchmark: `nixwrt mksquashfs` against `mksquashfs -processors 2` and
// `gensquashfs -j 2`, same compressor and block size, in the same run, interleaved.
// Trees: the MIPS userland of the fixture cache (NARs restored with nix-store --restore)
// and /usr/lib/python3.11 (many small files). Prints a Markdown section for bench/RESULTS.md.
// Env: BENCH_ROUNDS (default 3), BENCH_COMPS (default "xz,gzip"), BENCH_TREES (mips,python).
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
// Through bin/nixwrt, the sh launcher users run (it keeps NODE_EXTRA_CA_CERTS from Node's start).
const nixwrtBin = join(repo, 'bin', 'nixwrt');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const comps = (process.env.BENCH_COMPS ?? 'xz,gzip').split(',');
const wantTrees = (process.env.BENCH_TREES ?? 'mips,python').split(',');
const work = mkdtempSync(join(tmpdir(), 'bench-sqfs-'));
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Restore the userland NARs of the fixture cache (no DTS, no test trees, no kernels). */
function mipsTree() {
  const cache = join(repo, 'fixtures', 'cache');
  const root = join(work, 'mips');
  mkdirSync(join(root, 'nix', 'store'), { recursive: true });
  let n = 0;
  for (const f of readdirSync(cache).filter((x) => x.endsWith('.narinfo'))) {
    const info = readFileSync(join(cache, f), 'utf8');
    const path = /^StorePath: (.*)$/m.exec(info)[1];
    const url = /^URL: (.*)$/m.exec(info)[1];
    if (/linux-dts|nar-edge-cases|kernel|vmlinux/.test(path)) continue;
    const nar = execFileSync('xz', ['-dc', join(cache, url)], { maxBuffer: 1 << 30 });
    execFileSync('nix-store', ['--restore', join(root, path)], { input: nar, stdio: ['pipe', 'ignore', 'inherit'] });
    n++;
  }
  return { name: `MIPS userland (${n} store paths from fixtures/cache)`, dir: root };
}

function du(dir) {
  let bytes = 0;
  let entries = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      entries++;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) bytes += statSync(p).size;
    }
  };
  walk(dir);
  return { bytes, entries };
}

/** Run under /usr/bin/time: wall seconds, CPU seconds, peak RSS (MB). */
function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const [wall, user, sys, rss] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, rss: rss / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const trees = [];
if (wantTrees.includes('mips') && have('nix-store') && statSync(join(repo, 'fixtures', 'cache'), { throwIfNoEntry: false })) trees.push(mipsTree());
if (wantTrees.includes('python') && statSync('/usr/lib/python3.11', { throwIfNoEntry: false })) trees.push({ name: '/usr/lib/python3.11', dir: '/usr/lib/python3.11' });

const T = '1700000000';
const lines = [];
lines.push(`### squashfs writer (${new Date().toISOString().slice(0, 10)})`, '');
lines.push(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average at start ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}.`);
lines.push(`Command: \`npm run bench -- squashfs\` (BENCH_ROUNDS=${rounds}); median of ${rounds} interleaved rounds; block size 128 KiB, all-root, fixed times.`, '');
lines.push('| tree | comp | tool | wall s | CPU s | peak RSS MB | image bytes | wall vs mksquashfs | size vs mksquashfs |');
lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|');
for (const tree of trees) {
  const { bytes, entries } = du(tree.dir);
  for (const comp of comps) {
    const tools = {
      nixwrt: () => [nixwrtBin, ['mksquashfs', tree.dir, join(work, 'ours.img'), '--comp', comp, '--all-root', '--mkfs-time', T, '--all-time', T, '--jobs', '2']],
      mksquashfs: () => ['mksquashfs', [tree.dir, join(work, 'theirs.img'), '-noappend', '-quiet', '-no-progress', '-comp', comp, '-processors', '2', '-all-root', '-mkfs-time', T, '-all-time', T]],
      gensquashfs: () => ['gensquashfs', ['-q', '-f', '-D', tree.dir, '-c', comp, '-b', '131072', '-j', '2', '--all-root', join(work, 'ng.img')]],
    };
    const out = { nixwrt: 'ours.img', mksquashfs: 'theirs.img', gensquashfs: 'ng.img' };
    const res = {};
    for (let r = 0; r < rounds; r++) {
      for (const [name, mk] of Object.entries(tools)) {
        if (name === 'gensquashfs' && !have('gensquashfs')) continue;
        const [cmd, args] = mk();
        (res[name] ??= []).push(timed(cmd, args));
      }
    }
    const size = (name) => statSync(join(work, out[name])).size;
    const identical = Buffer.compare(readFileSync(join(work, 'ours.img')), readFileSync(join(work, 'theirs.img'))) === 0;
    const base = median(res.mksquashfs.map((x) => x.wall));
    for (const [name, runs] of Object.entries(res)) {
      const wall = median(runs.map((x) => x.wall));
      const cpu = median(runs.map((x) => x.cpu));
      const rss = Math.max(...runs.map((x) => x.rss));
      lines.push(`| ${tree.name} (${(bytes / 2 ** 20).toFixed(1)} MiB, ${entries} entries) | ${comp} | ${name} | ${wall.toFixed(2)} | ${cpu.toFixed(2)} | ${rss.toFixed(0)} | ${size(name)} | ${(wall / base).toFixed(2)}× | ${(size(name) / size('mksquashfs')).toFixed(4)}× |`);
    }
    lines.push(`| | | | | | | | nixwrt image ${identical ? 'byte-identical to' : 'differs from'} mksquashfs's | |`);
  }
}
rmSync(work, { recursive: true, force: true });
console.log(lines.join('\n'));
