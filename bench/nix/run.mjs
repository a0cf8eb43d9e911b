#!/usr/bin/env node
// bench/nix: `nixwrt fetch --out` against `nix copy --from http://127.0.0.1:PORT --to local?root=DIR`
// on the same synthetic cache (about 100 store paths / 100 MB, half random, half text) made by
// real Nix, served on loopback by nginx (or bench/nix/serve.mjs, see step 2); xz and zstd
// caches; fresh caches for both tools on every run; our --jobs at a few values. Also decode throughput of our xz/zstd paths and the CLI start-up,
// and floors measured in the same run: Node's HTTP client alone (http-floor.mjs), `cp -a` of
// the restored tree (the file-system work both tools must do) and `xz -d` of every NAR file.
// Prints a Markdown section for bench/RESULTS.md.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decompress } from '../../dist/src/nix/decompress.js';
import { fetchClosure } from '../../dist/src/nix/store-cache.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
// Through bin/nixwrt, the sh launcher users run (it keeps NODE_EXTRA_CA_CERTS from Node's start).
const nixwrtBin = join(repo, 'bin', 'nixwrt');
const RUNS = Number(process.env.NIXWRT_BENCH_RUNS ?? 3);
const N = Number(process.env.NIXWRT_BENCH_PATHS ?? 100);
// No default substituters: nix-build must not try to reach the network.
const env = { ...process.env, NIX_CONFIG: 'experimental-features = nix-command\nbuild-users-group =\nsandbox = false\nsubstituters =' };
const loadStart = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const log = (s) => process.stderr.write(`bench/nix: ${s}\n`);
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { env, maxBuffer: 1 << 26, stdio: ['pipe', 'pipe', 'ignore'], ...opts }).toString().trim();

for (const tool of ['nix', 'nix-build', '/usr/bin/time']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.log(`## nix fetch\n\nskipped: ${tool} not installed`);
    process.exit(0);
  }
}

// 1. The synthetic closure (built once; later runs find it in /nix/store) and its caches,
//    kept under the temp dir by root store path so a rerun skips the slow xz compression.
log(`building ${N} store paths with nix-build`);
const root = sh('nix-build', [join(here, 'gen.nix'), '--no-out-link', '--max-jobs', '2', '--arg', 'n', String(N), '--argstr', 'salt', 'v1']);
const work = join(tmpdir(), 'nixwrt-bench-nix', root.slice('/nix/store/'.length, '/nix/store/'.length + 32));
mkdirSync(work, { recursive: true });
const secret = join(work, 'secret');
if (!existsSync(secret)) writeFileSync(secret, sh('nix', ['key', 'generate-secret', '--key-name', 'nixwrt-bench-1']));
const publicKey = sh('nix', ['key', 'convert-secret-to-public'], { input: readFileSync(secret) });
sh('nix', ['store', 'sign', '-k', secret, '-r', root]);
const closure = sh('nix-store', ['-qR', root]).split('\n');
for (const comp of ['xz', 'zstd']) {
  if (existsSync(join(work, comp, 'nix-cache-info'))) continue;
  log(`nix copy to a ${comp} cache (first run only)`);
  const t = Date.now();
  sh('nix', ['copy', '--to', `file://${join(work, comp)}?compression=${comp}&parallel-compression=true`, root]);
  log(`  ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
const narSize = 0;
const sizes = {};
for (const comp of ['xz', 'zstd']) {
  const files = readdirSync(join(work, comp, 'nar'));
  sizes[comp] = files.reduce((n, f) => n + lstatSync(join(work, comp, 'nar', f)).size, 0);
}
const totalNar = closure
  .map((p) => readFileSync(join(work, 'xz', `${p.slice(11, 43)}.narinfo`), 'utf8').match(/^NarSize: (\d+)$/m)[1])
  .reduce((a, b) => a + Number(b), 0) + narSize;

// 2. A loopback HTTP server in its own process, the same for both tools, that behaves like a
//    real cache host: HTTP/1.1 keep-alive, listen backlog 511, files streamed. nginx with a
//    generated minimal config when installed (Debian's nginx-light is enough), else our own
//    bench/nix/serve.mjs; NIXWRT_BENCH_SERVER=nginx|node|python picks one. python3's
//    http.server is only a fallback to compare with: HTTP/1.0, one connection per request
//    and a listen backlog of 5, so 25 simultaneous connects lose SYNs and wait ~1 s each.
const port = 20000 + Math.floor(Math.random() * 20000);
const nginxBin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const serverKind = process.env.NIXWRT_BENCH_SERVER ?? (nginxBin ? 'nginx' : 'node');
let server;
let serverName;
if (serverKind === 'nginx') {
  if (!nginxBin) throw new Error('NIXWRT_BENCH_SERVER=nginx but nginx is not installed');
  const ng = join(work, 'nginx');
  mkdirSync(join(ng, 'tmp'), { recursive: true });
  writeFileSync(join(ng, 'nginx.conf'), `daemon off;
master_process off;
worker_processes 1;
pid ${ng}/nginx.pid;
error_log stderr crit;
events { worker_connections 1024; }
http {
  access_log off;
  log_not_found off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 100000;
  default_type application/octet-stream;
${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${ng}/tmp;`).join('\n')}
  server { listen 127.0.0.1:${port} backlog=511; root ${work}; }
}
`);
  server = spawn(nginxBin, ['-e', 'stderr', '-p', ng, '-c', join(ng, 'nginx.conf')], { stdio: 'ignore' });
  const version = spawnSync(nginxBin, ['-v']).stderr.toString().trim().replace(/^nginx version: /, '');
  serverName = `${version} (generated config: one process, sendfile, keep-alive, backlog 511)`;
} else if (serverKind === 'node') {
  server = spawn(process.execPath, [join(here, 'serve.mjs'), work, String(port)], { stdio: 'ignore' });
  serverName = `bench/nix/serve.mjs (Node ${process.version} http, keep-alive, backlog 511)`;
} else if (serverKind === 'python') {
  server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', work], { stdio: 'ignore' });
  serverName = "python3's http.server (HTTP/1.0, a connection per request, backlog 5)";
} else {
  throw new Error(`NIXWRT_BENCH_SERVER: nginx, node or python, not ${serverKind}`);
}
process.on('exit', () => server.kill());
let up = false;
for (let i = 0; i < 50 && !up; i++) {
  try {
    up = (await fetch(`http://127.0.0.1:${port}/xz/nix-cache-info`)).ok;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
if (!up) throw new Error(`${serverName} did not answer on 127.0.0.1:${port}`);
log(`serving ${work} with ${serverName}`);

/** Wall and CPU (user + system, all threads and children) seconds of a child process. */
function timed(cmd, args, extraEnv = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S', cmd, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
  const err = r.stderr.toString();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${err}`);
  const [wall, user, sys] = err.match(/^TIME (\S+) (\S+) (\S+)$/m).slice(1).map(Number);
  return { wall, cpu: user + sys };
}

/** Modes, link targets and contents of a store tree, as one digest. */
function treeDigest(dir) {
  const h = createHash('sha256');
  const walk = (p, rel) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) h.update(`L ${rel} ${readlinkSync(p)}\n`);
    else if (st.isFile()) h.update(`F ${rel} ${st.mode & 0o111 ? 'x' : '-'} `).update(readFileSync(p)).update('\n');
    else {
      h.update(`D ${rel}\n`);
      for (const n of readdirSync(p).sort()) if (!(rel === '' && n === '.links')) walk(join(p, n), `${rel}/${n}`);
    }
  };
  walk(dir, '');
  return h.digest('hex');
}

const median = (xs) => (typeof xs[0] === 'number' ? [...xs].sort((a, b) => a - b) : [...xs].sort((a, b) => a.wall - b.wall))[Math.floor(xs.length / 2)];
const scratch = join(work, 'scratch');
// Each timed run writes into a fresh directory, and nothing is deleted until all runs are done:
// on ext4 without a journal (this machine's root) creating an inode skips every inode of its
// block group deleted in the last minute or more, so deleting the previous run's ~900 files right
// before a run made file creation several times slower for whichever tool came next (perf:
// recently_deleted / find_inode_bit, ~35 % of a fetch's CPU).
let runNo = 0;
const freshDir = () => {
  const d = join(scratch, `run-${runNo++}`);
  mkdirSync(d, { recursive: true });
  return d;
};
rmSync(scratch, { recursive: true, force: true });
const results = {};
let lastRoot;
for (const comp of ['xz', 'zstd']) {
  const url = `http://127.0.0.1:${port}/${comp}`;
  const nixT = [];
  const oursT = [];
  const cacheOnlyT = [];
  let same = true;
  for (let run = 0; run < RUNS; run++) {
    const d = freshDir();
    if (run === 0) lastRoot = d;
    // Fresh XDG_CACHE_HOME: Nix would otherwise answer narinfo lookups from its disk cache.
    nixT.push(timed('nix', ['copy', '--from', url, '--to', `local?root=${join(d, 'nix-root')}`, '--option', 'trusted-public-keys', publicKey, root], { XDG_CACHE_HOME: join(d, 'xdg') }));
    oursT.push(timed(nixwrtBin, ['fetch', root, '--substituter', url, '--trusted-public-key', publicKey, '--cache-dir', join(d, 'cache'), '--out', join(d, 'out')]));
    if (run === 0) same = treeDigest(join(d, 'nix-root', 'nix', 'store')) === treeDigest(join(d, 'out', 'nix', 'store'));
    // Without --out: only the verified NARs and their index (what a later build reads).
    cacheOnlyT.push(timed(nixwrtBin, ['fetch', root, '--substituter', url, '--trusted-public-key', publicKey, '--cache-dir', join(freshDir(), 'cache')]));
  }
  // Floors, on the same cache and server, right after the runs.
  const floorT = [];
  const floor5T = [];
  const floorOursT = [];
  const cpT = [];
  for (let run = 0; run < RUNS; run++) {
    floorT.push(timed(process.execPath, [join(here, 'http-floor.mjs'), url, join(work, comp)]));
    // With python's http.server (backlog 5) more simultaneous connects than 5 lose SYNs and
    // wait ~1 s for the retransmission; on nginx or serve.mjs the two should be close.
    floor5T.push(timed(process.execPath, [join(here, 'http-floor.mjs'), url, join(work, comp), '5']));
    floorOursT.push(timed(process.execPath, [join(here, 'http-floor.mjs'), url, join(work, comp), '25', 'ours']));
    cpT.push(timed('cp', ['-a', join(lastRoot, 'nix-root', 'nix', 'store'), join(freshDir(), 'copy')]));
  }
  const w = (xs) => median(xs.map((x) => x.wall));
  const c = (xs) => median(xs.map((x) => x.cpu));
  results[comp] = { nix: w(nixT), ours: w(oursT), nixCpu: c(nixT), oursCpu: c(oursT), same, cacheOnly: w(cacheOnlyT), cacheOnlyCpu: c(cacheOnlyT), http: w(floorT), httpCpu: c(floorT), http5: w(floor5T), http5Cpu: c(floor5T), httpOurs: w(floorOursT), httpOursCpu: c(floorOursT), cp: w(cpT), cpCpu: c(cpT) };
  log(`${comp}: nix ${nixT.map((x) => x.wall.toFixed(2)).join(' ')} s; ours ${oursT.map((x) => x.wall.toFixed(2)).join(' ')} s`);
}

// 2b. Our --jobs (connections and downloads in flight) at a few values, interleaved run by run
//     so load drift hits all of them alike. Nix's default is 25 connections.
// `--threads` (worker threads for the per-NAR work) the same way, at the default --jobs 25.
const JOBS = (process.env.NIXWRT_BENCH_JOBS ?? '25').split(',').map(Number);
const THREADS = (process.env.NIXWRT_BENCH_THREADS ?? '0,1,2').split(',').map(Number);
const VARIANTS = JOBS.flatMap((j) => THREADS.map((t) => ({ j, t, key: `${j}/${t}` })));
const jobsT = {};
for (const comp of ['xz', 'zstd']) {
  const url = `http://127.0.0.1:${port}/${comp}`;
  jobsT[comp] = Object.fromEntries(VARIANTS.map((v) => [v.key, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const v of VARIANTS) {
      const d = freshDir();
      jobsT[comp][v.key].push(timed(nixwrtBin, ['fetch', root, '--substituter', url, '--trusted-public-key', publicKey, '--cache-dir', join(d, 'cache'), '--out', join(d, 'out'), '--jobs', String(v.j), '--threads', String(v.t)]));
    }
  }
  log(`${comp} --jobs/--threads: ${VARIANTS.map((v) => `${v.key}: ${jobsT[comp][v.key].map((x) => x.wall.toFixed(2)).join(' ')}`).join('; ')}`);
}

// 3. Decode throughput in this process (NAR bytes out per second of wall time).
const throughput = {};
for (const comp of ['xz', 'zstd']) {
  const dir = join(work, comp, 'nar');
  const files = readdirSync(dir).map((f) => readFileSync(join(dir, f)));
  const t = process.hrtime.bigint();
  let out = 0;
  for (const f of files) {
    for await (const c of decompress(comp, [f])) out += c.length;
  }
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  // lzma-native, the fallback when the system liblzma cannot be loaded.
  let fallback;
  if (comp === 'xz') {
    const t1 = process.hrtime.bigint();
    for (const f of files) for await (const _ of decompress(comp, [f], { sysLibs: false }));
    fallback = out / (Number(process.hrtime.bigint() - t1) / 1e9) / 1e6;
  }
  // The whole verified pipeline (decompress + SHA-256 + NAR parse + cache write), file://.
  const pd = freshDir();
  const t2 = process.hrtime.bigint();
  await fetchClosure([root], { substituters: [`file://${join(work, comp)}`], trustedPublicKeys: [publicKey], cacheDir: join(pd, 'c') });
  const s2 = Number(process.hrtime.bigint() - t2) / 1e9;
  throughput[comp] = { decode: out / s / 1e6, pipeline: out / s2 / 1e6, fallback };
}
// xz -d of every NAR file, one process (the decoder Nix links), for scale.
const xzFiles = readdirSync(join(work, 'xz', 'nar')).map((f) => join(work, 'xz', 'nar', f));
const xzCli = spawnSync('sh', ['-c', `command -v xz`]).status === 0 ? median([0, 1, 2].map(() => timed('sh', ['-c', 'cat "$@" | xz -dc > /dev/null', 'sh', ...xzFiles]))) : null;
const bare = median([0, 1, 2].map(() => timed(process.execPath, ['-e', '0']).wall));
const startups = [0, 1, 2].map(() => timed(nixwrtBin, ['--version']));
const startup = { wall: median(startups.map((x) => x.wall)), cpu: median(startups.map((x) => x.cpu)) };
server.kill();
rmSync(scratch, { recursive: true, force: true });

const mb = (n) => (n / 1e6).toFixed(1);
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const f2 = (x) => x.toFixed(2);
console.log(`## nix fetch (bench/nix)

Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, ${sh('nix', ['--version'])}; load average ${loadStart} at the start, ${load} at the end; ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.
Command: \`npm run bench -- nix\` (${RUNS} runs each, median; fresh caches every run).
Cache: ${closure.length} store paths, ${mb(totalNar)} MB of NARs (half random, half text); xz files ${mb(sizes.xz)} MB, zstd files ${mb(sizes.zstd)} MB.
Server: ${serverName}, on 127.0.0.1, the same for both tools.

| cache | nix copy --to local?root: wall s (CPU s) | nixwrt fetch --out: wall s (CPU s) | wall ratio ours/nix | CPU ratio | same tree | nixwrt fetch without --out (cache only): wall s (CPU s), ratio |
|---|---|---|---|---|---|---|
${['xz', 'zstd'].map((c) => { const r = results[c]; return `| ${c} | ${r.nix.toFixed(2)} (${r.nixCpu.toFixed(2)}) | ${r.ours.toFixed(2)} (${r.oursCpu.toFixed(2)}) | ${(r.ours / r.nix).toFixed(2)} | ${(r.oursCpu / r.nixCpu).toFixed(2)} | ${r.same ? 'yes' : 'NO'} | ${r.cacheOnly.toFixed(2)} (${r.cacheOnlyCpu.toFixed(2)}), ${(r.cacheOnly / r.nix).toFixed(2)} |`; }).join('\n')}

In-process throughput (NAR MB/s of wall time): xz decode ${throughput.xz.decode.toFixed(0)} (system liblzma through koffi; lzma-native fallback ${throughput.xz.fallback.toFixed(0)}), zstd decode ${throughput.zstd.decode.toFixed(0)} (zstd-napi); whole verified pipeline from file:// (decode + SHA-256 + NAR parse + cache write, 25 in flight): xz ${throughput.xz.pipeline.toFixed(0)}, zstd ${throughput.zstd.pipeline.toFixed(0)}.
CLI start-up alone (\`nixwrt --version\`, loads every command module): ${startup.wall.toFixed(2)} s wall, ${startup.cpu.toFixed(2)} s CPU; bare \`node -e 0\`: ${f2(bare)} s.

Floors, same run (wall s (CPU s), and as a fraction of nix copy's wall):

| cache | Node HTTP client alone, 25 connections: GET every narinfo and NAR, bodies discarded | the same, 5 connections | nixwrt's HTTP client alone (http-client.ts), 25 connections | \`cp -a\` of the restored tree | goal: 0.5 × nix copy |
|---|---|---|---|---|---|
${['xz', 'zstd'].map((c) => { const r = results[c]; return `| ${c} | ${f2(r.http)} (${f2(r.httpCpu)}) = ${f2(r.http / r.nix)}× | ${f2(r.http5)} (${f2(r.http5Cpu)}) = ${f2(r.http5 / r.nix)}× | ${f2(r.httpOurs)} (${f2(r.httpOursCpu)}) = ${f2(r.httpOurs / r.nix)}× | ${f2(r.cp)} (${f2(r.cpCpu)}) = ${f2(r.cp / r.nix)}× | ${f2(r.nix / 2)} |`; }).join('\n')}

\`nixwrt fetch --out\` by \`--jobs\` and \`--threads\` (median wall s (CPU s), ${RUNS} runs, interleaved; load at the end above):

| cache | ${VARIANTS.map((v) => `--jobs ${v.j} --threads ${v.t}`).join(' | ')} |
|---|${VARIANTS.map(() => '---|').join('')}
${['xz', 'zstd'].map((c) => `| ${c} | ${VARIANTS.map((v) => { const xs = jobsT[c][v.key]; return `${f2(median(xs.map((x) => x.wall)))} (${f2(median(xs.map((x) => x.cpu)))})`; }).join(' | ')} |`).join('\n')}
${xzCli ? `\n\`xz -dc\` of every NAR file: ${f2(xzCli.wall)} s wall (${f2(xzCli.cpu)} s CPU) = ${f2(xzCli.wall / results.xz.nix)}× nix copy's wall.\n` : ''}`);
