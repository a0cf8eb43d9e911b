#!/usr/bin/env node
// bench/dt: compile the whole mips + arm DTS corpus of linux-source-6.1 in one process (our
// cpp + dtc) against the kernel's pipeline per file (`cpp ... | dtc -O dtb -b 0`, in one bash
// loop so Node's spawn cost is not charged to the peer). Prints a Markdown section.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSync } from '../../dist/src/dt/compile.js';
import { createPreprocessCache } from '../../dist/src/dt/index.js';

const TOP = 'linux-source-6.1';
const cache = join(tmpdir(), 'nixwrt-dt-corpus-6.1');
const root = join(cache, TOP);
if (!existsSync(join(cache, '.extracted-v2'))) {
  mkdirSync(cache, { recursive: true });
  execFileSync('tar', ['-xJf', '/usr/src/linux-source-6.1.tar.xz', '-C', cache,
    ...['arch/mips/boot/dts', 'arch/arm/boot/dts', 'arch/arm64/boot/dts', 'include/dt-bindings',
      'scripts/dtc/include-prefixes', 'include/uapi/linux/input-event-codes.h'].map((m) => `${TOP}/${m}`)]);
  writeFileSync(join(cache, '.extracted-v2'), '');
}
const files = [];
const walk = (d) => {
  for (const e of readdirSync(join(root, d), { withFileTypes: true })) {
    if (e.isDirectory()) walk(`${d}/${e.name}`);
    else if (e.name.endsWith('.dts')) files.push(`${d}/${e.name}`);
  }
};
walk('arch/mips/boot/dts');
walk('arch/arm/boot/dts');
files.sort();
const limit = Number(process.env.DT_BENCH_FILES ?? files.length);
const set = files.slice(0, limit);

function ours(shared) {
  const c = createPreprocessCache();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  for (const f of set) {
    const dir = f.slice(0, f.lastIndexOf('/'));
    const path = join(root, f);
    const { dtb } = compileSync(readFileSync(path, 'latin1'), path, {
      includeDirs: [join(root, dir), join(root, 'scripts/dtc/include-prefixes')],
      defines: { __DTS__: '1' },
      bootCpuid: 0,
      cache: shared ? c : undefined,
    });
    bytes += dtb.length;
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1e6, bytes };
}

function peer() {
  const out = join(tmpdir(), `nixwrt-dt-bench-${process.pid}.dtb`);
  const script = `TIMEFORMAT='%R %U %S'; time (while IFS= read -r f; do d=$(dirname "$f");
    cpp -nostdinc -I "$d" -I scripts/dtc/include-prefixes -undef -D__DTS__ -x assembler-with-cpp "$f" 2>/dev/null |
    dtc -q -i "$d" -O dtb -b 0 -o "${out}" - 2>/dev/null; done)`;
  const r = spawnSync('bash', ['-c', script], { cwd: root, input: set.join('\n') + '\n', encoding: 'utf8' });
  const [wall, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys };
}

const load = loadavg().map((x) => x.toFixed(2)).join(' ');
const p = peer();
const warm = ours(true);
const cold = ours(false);
const f2 = (x) => x.toFixed(2);
console.log(`## dt (device tree compiler: kernel DTS corpus)

Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, load average ${load} at start.
Input: ${set.length} .dts files (arch/mips + arch/arm of linux-source-6.1, ${warm.bytes.toLocaleString('en-US')} bytes of DTB).
Command: \`npm run bench -- dt\`; peer: \`cpp -nostdinc -I DIR -I scripts/dtc/include-prefixes -undef -D__DTS__ -x assembler-with-cpp F | dtc -O dtb -b 0\` per file, in one bash loop, sequential.
Ours: one Node process, one file after another, single thread.

| | wall (s) | CPU user+sys (s) | files/s (wall) |
|---|---:|---:|---:|
| cpp + dtc per file | ${f2(p.wall)} | ${f2(p.cpu)} | ${(set.length / p.wall).toFixed(0)} |
| ours, header cache shared across files | ${f2(warm.wall)} | ${f2(warm.cpu)} | ${(set.length / warm.wall).toFixed(0)} |
| ours, no cache | ${f2(cold.wall)} | ${f2(cold.cpu)} | ${(set.length / cold.wall).toFixed(0)} |
| ratio ours (shared) / peer | ${f2(warm.wall / p.wall)}× | ${f2(warm.cpu / p.cpu)}× | |
| ratio ours (no cache) / peer | ${f2(cold.wall / p.wall)}× | ${f2(cold.cpu / p.cpu)}× | |
`);
