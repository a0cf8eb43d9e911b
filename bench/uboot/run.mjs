// `npm run bench -- uboot`: seconds from QEMU's start to the console prompt ("Please press
// Enter"), booting the same userland on QEMU Malta three ways: `-kernel` with the rootfs on IDE
// (qemu-malta), and through U-Boot in flash (qemu-malta-uboot) by TFTP (phramware) and from
// flash (firmware.bin). Both configs are built from the fixture cache first. Prints Markdown.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { startEmulator } = await import(join(root, 'dist', 'src', 'image', 'run.js'));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'nixwrt-bench-uboot-'));

function buildFor(device) {
  const config = join(work, `${device}.json`);
  writeFileSync(config, JSON.stringify({ device, hostname: 'bench', lock: join(root, 'fixtures', 'lock.json') }));
  const out = join(work, device);
  execFileSync(process.execPath, [join(root, 'bin', 'nixwrt.js'), 'build', config, '--out', out, '--cache-dir', join(work, 'cache')], { stdio: 'ignore' });
  return out;
}

async function bootSeconds(dir, boot) {
  const t0 = performance.now();
  const q = await startEmulator(dir, { boot, stdio: ['pipe', 'pipe', 'ignore'] });
  let text = '';
  await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no prompt after 180 s (${dir} ${boot ?? ''})`)), 180_000);
    q.stdout.on('data', (d) => {
      text += d;
      if (/Please press Enter/.test(text)) {
        clearTimeout(t);
        res();
      }
    });
  });
  const s = (performance.now() - t0) / 1000;
  q.kill('SIGKILL');
  await new Promise((r) => q.on('exit', r));
  return s;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kernelDir = join(buildFor('qemu-malta'), 'emulator');
const ubootDir = buildFor('qemu-malta-uboot');
const rows = [
  ['qemu-malta: `-kernel` vmlinux, rootfs on IDE', kernelDir, undefined],
  ['qemu-malta-uboot: U-Boot, tftpboot.scr, phramware (LZMA uImage) from RAM', ubootDir, 'tftp'],
  ['qemu-malta-uboot: U-Boot, firmware.bin (LZMA uImage) from NOR flash', ubootDir, 'flash'],
];
const results = [];
// Interleaved, so a change in machine load hits every way alike.
for (let i = 0; i < RUNS; i++) for (const [, dir, boot] of rows) results.push([dir + boot, await bootSeconds(dir, boot)]);
console.log('## uboot (QEMU start to console prompt: -kernel vs through U-Boot)\n');
console.log(`${RUNS} runs each, interleaved; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')} at the end.\n`);
console.log('| way | runs (s) | median (s) |\n|---|---|---:|');
for (const [name, dir, boot] of rows) {
  const xs = results.filter(([k]) => k === dir + boot).map(([, s]) => s);
  console.log(`| ${name} | ${xs.map((x) => x.toFixed(2)).join(', ')} | ${median(xs).toFixed(2)} |`);
}
rmSync(work, { recursive: true, force: true });
