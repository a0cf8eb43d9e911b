// Kernel packaging benchmark: vmlinux → raw → LZMA → uImage, ours against the classic chain
// (objcopy -O binary, lzma_alone e -lc1 -lp2 -pb2 -d23, mkimage) in the same run.
// Kernel: NIXWRT_VMLINUX, else the fixture kernel-malta restored from fixtures/cache.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildKernelImage, elfToRaw, readUImage } from '../../dist/src/kernel/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'nixwrt-bench-kernel-'));

function fixtureKernel() {
  const lock = JSON.parse(readFileSync(join(root, 'fixtures', 'lock.json'), 'utf8'));
  const sp = lock.packages['kernel-malta'];
  if (!sp) return undefined;
  const info = readFileSync(join(root, 'fixtures', 'cache', `${basename(sp).split('-')[0]}.narinfo`), 'utf8');
  const url = /^URL: (.*)$/m.exec(info)[1];
  const nar = execFileSync('xz', ['-dc', join(root, 'fixtures', 'cache', url)], { maxBuffer: 1 << 30 });
  execFileSync('nix-store', ['--restore', join(work, 'k')], { input: nar });
  return join(work, 'k', 'vmlinux');
}

const vmlinuxPath = process.env.NIXWRT_VMLINUX ?? fixtureKernel();
if (!vmlinuxPath || !existsSync(vmlinuxPath)) {
  console.log('## kernel\n\nskipped: no kernel-malta in fixtures/lock.json and NIXWRT_VMLINUX unset\n');
  process.exit(0);
}
const vmlinux = new Uint8Array(readFileSync(vmlinuxPath));
const time = (f) => {
  const t = process.hrtime.bigint();
  const v = f();
  return [v, Number(process.hrtime.bigint() - t) / 1e9];
};
const timeAsync = async (f) => {
  const t = process.hrtime.bigint();
  const v = await f();
  return [v, Number(process.hrtime.bigint() - t) / 1e9];
};

// 1. ELF → raw.
const [raw, tRaw] = time(() => elfToRaw(vmlinux));
const bin = join(work, 'vmlinux.bin');
const rm = ['.reginfo', '.notes', '.note', '.comment', '.mdebug', '.note.gnu.build-id'].flatMap((s) => ['-R', s]);
const [, tObjcopy] = time(() => execFileSync('mipsel-linux-gnu-objcopy', ['-O', 'binary', ...rm, '-S', vmlinuxPath, bin]));
const same = Buffer.from(raw.data).equals(readFileSync(bin));

// 2. The whole chain.
const [ours, tOurs] = await timeAsync(() => buildKernelImage({ vmlinux, name: 'bench', time: 0 }));
const [, tLzma] = time(() => execFileSync('lzma_alone', ['e', bin, join(work, 'k.lzma'), '-lc1', '-lp2', '-pb2', '-d23'], { stdio: 'ignore' }));
const load = (Number(BigInt.asUintN(32, raw.start))).toString(16);
const entry = (Number(BigInt.asUintN(32, raw.entry))).toString(16);
const [, tMkimage] = time(() =>
  execFileSync('mkimage', ['-A', 'mips', '-O', 'linux', '-T', 'kernel', '-C', 'lzma', '-a', load, '-e', entry, '-n', 'bench', '-d', join(work, 'k.lzma'), join(work, 'uImage')], {
    stdio: 'ignore',
    env: { ...process.env, SOURCE_DATE_EPOCH: '0' },
  }),
);
const theirsSize = readFileSync(join(work, 'uImage')).length;
const classic = tObjcopy + tLzma + tMkimage;
const lzOurs = readUImage(ours.image).data.length;
const lzTheirs = readFileSync(join(work, 'k.lzma')).length;

const f = (s) => `${s.toFixed(3)} s`;
console.log(`## kernel

Machine: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), Node ${process.version}.
Command: \`npm run bench -- kernel\` on ${process.env.NIXWRT_VMLINUX ? basename(vmlinuxPath) : 'fixture kernel-malta'} (${vmlinux.length} bytes ELF, ${raw.data.length} bytes raw).
Peer times include process start-up.

| stage | ours | classic | ratio (ours/classic) |
|---|---|---|---|
| ELF → raw (objcopy -O binary) | ${f(tRaw)} | ${f(tObjcopy)} | ${(tRaw / tObjcopy).toFixed(2)} |
| LZMA size (lc1 lp2 pb2, 8 MiB) | ${lzOurs} B | ${lzTheirs} B (lzma_alone -d23) | ${(lzOurs / lzTheirs).toFixed(4)} |
| whole uImage (raw + LZMA + header) | ${f(tOurs)} | ${f(classic)} (objcopy ${f(tObjcopy)} + lzma_alone ${f(tLzma)} + mkimage ${f(tMkimage)}) | ${(tOurs / classic).toFixed(2)} |

Raw image byte-identical to objcopy: ${same ? 'yes' : 'NO'}. uImage sizes: ours ${ours.image.length} B, classic ${theirsSize} B.
`);
