// Pipeline benchmark: `nixwrt build` of examples/emu.ts, cold (empty cache dir) and warm
// (same cache dir, hostname changed), against a script of the classic tools doing what
// NixWRT's derivations do with the same inputs (the rootfs tree and the Malta vmlinux):
// mksquashfs -comp xz; objcopy -O binary, lzma_alone, mkimage, dd. Prints a Markdown section.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
const run = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });

const cold = await timed('nixwrt build, cold (empty cache dir)', () => build({ config: example, outDir: join(work, 'cold'), cacheDir }));
// A second config differing only in its hostname, as a developer's edit would.
const src = readFileSync(example, 'utf8').replace("hostname: 'emu'", "hostname: 'emu2'").replaceAll("'../", `'${root}/`);
const edited = join(root, 'examples', '.bench-emu2.ts');
writeFileSync(edited, src);
let warm;
try {
  warm = await timed('nixwrt build, warm (hostname changed)', () => build({ config: edited, outDir: join(work, 'warm'), cacheDir }));
} finally {
  execFileSync('rm', ['-f', edited]);
}

// The classic tools on the same inputs: the cold build's rootfs tree and vmlinux.
const tree = join(work, 'tree');
const vmlinux = join(work, 'cold', 'emulator', 'vmlinux');
run('unsquashfs', ['-no-xattrs', '-d', tree, join(work, 'cold', 'emulator', 'rootfs.squashfs')]);
const w = (f) => join(work, f);
const squash = await timed('mksquashfs -comp xz (same tree)', () =>
  run('mksquashfs', [tree, w('classic.sqfs'), '-comp', 'xz', '-all-root', '-noappend', '-quiet', '-mkfs-time', '0', '-all-time', '0']),
);
const kernel = await timed('objcopy + lzma_alone + mkimage (same vmlinux)', () => {
  run('mipsel-linux-gnu-objcopy', ['-O', 'binary', '-R', '.reginfo', '-R', '.notes', '-R', '.note', '-R', '.comment', '-R', '.mdebug', '-R', '.note.gnu.build-id', '-S', vmlinux, w('vmlinux.bin')]);
  run('lzma_alone', ['e', w('vmlinux.bin'), w('vmlinux.lzma'), '-lc1', '-lp2', '-pb2', '-d23']);
  run('mkimage', ['-A', 'mips', '-O', 'linux', '-T', 'kernel', '-C', 'lzma', '-a', '0x80100000', '-e', '0x80100000', '-n', 'nixwrt', '-d', w('vmlinux.lzma'), w('kernel.uImage')]);
});
const dd = await timed('dd (kernel + rootfs into one image)', () => {
  run('dd', [`if=${w('kernel.uImage')}`, `of=${w('firmware.bin')}`, 'bs=64k', 'conv=sync', 'status=none']);
  run('dd', [`if=${w('classic.sqfs')}`, `of=${w('firmware.bin')}`, 'bs=64k', 'oflag=append', 'conv=notrunc', 'status=none']);
});
const classic = { label: 'classic script, total', ms: squash.ms + kernel.ms + dd.ms };

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const row = (t) => `| ${t.label} | ${s(t.ms)} | ${(t.ms / squash.ms).toFixed(2)}× | ${(t.ms / classic.ms).toFixed(2)}× |`;
const stages = (r) => r.timings.map((x) => `${x.stage} ${s(x.ms)}`).join(', ');
const sq = (d) => statSync(join(work, d, 'emulator', 'rootfs.squashfs')).size;
console.log(`## pipeline (incremental builds, examples/emu.ts)

Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}. Command: \`npm run bench -- pipeline\`.

Warm rebuild after a hostname change: **${((warm.ms / cold.ms) * 100).toFixed(1)} % of the cold build** (goal ≤ 5 %).

| step | wall | vs mksquashfs | vs classic script |
|---|---|---|---|
${row(cold)}
${row(warm)}
${row(squash)}
${row(kernel)}
${row(dd)}
${row(classic)}

The emulator output needs no kernel packaging (QEMU boots the vmlinux), so "vs mksquashfs" is
the like-for-like ratio; the classic script also packages the same vmlinux as a uImage, as a
flash device's derivations would.

Rootfs: ours ${sq('cold')} bytes cold, ${sq('warm')} warm; mksquashfs ${statSync(w('classic.sqfs')).size} bytes.
Artefact cache: cold ${JSON.stringify(cold.r.cache)}; warm ${JSON.stringify(warm.r.cache)}.

Stages (cold): ${stages(cold.r)}.
Stages (warm): ${stages(warm.r)}.
`);
