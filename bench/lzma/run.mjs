// LZMA benchmark: our encoder vs the LZMA SDK (`lzma_alone e -lc1 -lp2 -pb2 -d23`) on a
// ≈5 MB raw MIPS kernel image, same run, interleaved, best of RUNS each. Prints Markdown.
// Input: $LZMA_BENCH_INPUT (raw image, or a MIPS ELF that is turned into one with
// mipsel-linux-gnu-objcopy -O binary), else the fixture Malta vmlinux if built, else 5,140,768
// bytes of Debian's mipsel glibc and libgcc (real MIPS code, the size of the Malta kernel).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeLzmaAlone, decodeLzmaAloneDetailed } from '../../dist/src/kernel/lzma/index.js';

const RUNS = Number(process.env.LZMA_BENCH_RUNS ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'lzma-bench-'));
const FALLBACK = [
  '/usr/mipsel-linux-gnu/lib/libc.so.6', '/usr/mipsel-linux-gnu/lib/libm.so.6',
  '/usr/mipsel-linux-gnu/lib/libgomp.so.1.0.0', '/usr/mipsel-linux-gnu/lib/libgcc_s.so.1',
  '/usr/mipsel-linux-gnu/lib/ld.so.1', '/usr/mipsel-linux-gnu/lib/libnsl.so.1',
  '/usr/lib/gcc-cross/mipsel-linux-gnu/12/libgcc.a', '/usr/lib/gcc-cross/mipsel-linux-gnu/12/libgomp.a',
];

function rawImage(path) {
  const bytes = readFileSync(path);
  if (bytes.readUInt32BE(0) !== 0x7f454c46) return { bytes, what: path };
  const out = join(dir, 'raw.bin');
  execFileSync('mipsel-linux-gnu-objcopy', ['-O', 'binary', '-R', '.reginfo', '-R', '.notes', '-R', '.note',
    '-R', '.comment', '-R', '.mdebug', '-R', '.note.gnu.build-id', '-S', path, out]);
  return { bytes: readFileSync(out), what: `${path} (objcopy -O binary)` };
}

function input() {
  if (process.env.LZMA_BENCH_INPUT) return rawImage(process.env.LZMA_BENCH_INPUT);
  const work = process.env.WORK ?? '/work/build/fixtures';
  const vmlinux = join(work, 'linux-kernel-malta', 'vmlinux');
  if (existsSync(vmlinux)) return rawImage(vmlinux);
  const bytes = Buffer.concat(FALLBACK.filter(existsSync).map((f) => readFileSync(f))).subarray(0, 5_140_768);
  return { bytes, what: 'Debian mipsel glibc + libgcc, first 5,140,768 bytes (no fixture kernel yet)' };
}

function sdk(inFile) {
  const out = join(dir, 'sdk.lzma');
  const r = spawnSync('bash', ['-c', 'TIMEFORMAT="%R %U %S"; time lzma_alone e "$1" "$2" -lc1 -lp2 -pb2 -d23 >/dev/null 2>&1', '_', inFile, out]);
  if (r.status !== 0) throw new Error(`lzma_alone failed: ${r.stderr}`);
  const [real, user, sys] = r.stderr.toString().trim().split('\n').pop().split(' ').map(Number);
  return { wall: real, cpu: user + sys, size: readFileSync(out).length };
}

function ours(data, opts = {}) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = encodeLzmaAlone(data, opts);
  const wall = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  return { wall, cpu: (cu.user + cu.system) / 1e6, size: out.length, out };
}

try {
  const { bytes, what } = input();
  const data = new Uint8Array(bytes);
  const inFile = join(dir, 'in.bin');
  writeFileSync(inFile, data);
  let a, b, t;
  for (let i = 0; i < RUNS; i++) {
    const s = sdk(inFile);
    const o = ours(data, { matchFinderThread: false });
    const m = ours(data, { matchFinderThread: true });
    if (!a || s.wall < a.wall) a = s;
    if (!b || o.wall < b.wall) b = o;
    if (!t || m.wall < t.wall) t = m;
  }
  if (Buffer.compare(Buffer.from(t.out), Buffer.from(b.out)) !== 0) throw new Error('threaded match finder changed the output');
  // Sanity: ours decodes back, with no end marker, by the SDK too.
  const r = decodeLzmaAloneDetailed(b.out);
  if (Buffer.compare(Buffer.from(r.data), Buffer.from(data)) !== 0 || r.endMarker) throw new Error('our output does not round-trip');
  writeFileSync(join(dir, 'ours.lzma'), b.out);
  execFileSync('lzma_alone', ['d', join(dir, 'ours.lzma'), join(dir, 'back.bin')], { stdio: 'ignore' });
  if (!readFileSync(join(dir, 'back.bin')).equals(Buffer.from(data))) throw new Error('lzma_alone decodes ours differently');
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const f = (x) => x.toFixed(2);
  console.log(`## lzma (kernel LZMA, normal mode)

Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${load}.
Input: ${what}, ${data.length.toLocaleString('en-US')} bytes. Best wall time of ${RUNS} interleaved runs each.
Command: \`npm run bench -- lzma\`; peer: \`lzma_alone e IN OUT -lc1 -lp2 -pb2 -d23\` (LZMA SDK 9.22).

| | size (bytes) | wall (s) | CPU user+sys (s) |
|---|---:|---:|---:|
| lzma_alone | ${a.size.toLocaleString('en-US')} | ${f(a.wall)} | ${f(a.cpu)} |
| ours, one thread | ${b.size.toLocaleString('en-US')} | ${f(b.wall)} | ${f(b.cpu)} |
| ours, match finder thread | ${t.size.toLocaleString('en-US')} | ${f(t.wall)} | ${f(t.cpu)} |
| ratio ours (one thread)/SDK | ${(b.size / a.size).toFixed(4)}× | ${f(b.wall / a.wall)}× | ${f(b.cpu / a.cpu)}× |
| ratio ours (thread)/SDK | ${(t.size / a.size).toFixed(4)}× | ${f(t.wall / a.wall)}× | ${f(t.cpu / a.cpu)}× |

Defaults: niceLen 128, tree depth 64; the match-finder thread is used when a core is idle
(load now ${load.split(' ')[0]} on ${cpus().length} cores). Goal: size ≤ 1.01×, wall time ≤ 1.0×. Our stream: real size in the header, no end marker
(checked: strict decode ends on the last byte), decoded by lzma_alone in this run.
`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
