#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (prepare).
import { availableParallelism } from 'node:os';

/**
 * libuv's thread pool runs squashfs compression (system zlib/liblzma/libzstd through koffi) next
 * to file I/O. libuv reads its size on first use (module loading), so it is set here, before the
 * CLI loads. mksquashfs: one thread per compression job (--jobs, default one per CPU) and no
 * spare, so blocks can wait in libuv's queue and a thread that finishes one starts the next at
 * once (its reads and writes are synchronous). Other commands: one per CPU plus two for I/O.
 */
function uvThreads(argv) {
  const cpus = availableParallelism();
  if (argv[2] !== 'mksquashfs') return Math.max(4, cpus + 2);
  const i = argv.findIndex((a) => a === '--jobs' || a.startsWith('--jobs='));
  const jobs = i < 0 ? cpus : Number(argv[i].startsWith('--jobs=') ? argv[i].slice(7) : argv[i + 1]);
  return Number.isSafeInteger(jobs) && jobs > 0 ? Math.min(jobs, 1024) : 4;
}
process.env.UV_THREADPOOL_SIZE ??= String(uvThreads(process.argv));
const { main } = await import('../dist/src/cli/main.js');

main(process.argv).catch((err) => {
  process.stderr.write(`nixwrt: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
