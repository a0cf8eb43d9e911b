#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (prepare).
import { availableParallelism } from 'node:os';

// Compression runs on libuv's thread pool (system zlib/liblzma/libzstd through koffi), next to
// file reads: one thread per CPU plus two for I/O. libuv reads this on first use of its pool,
// so it is set before the CLI loads.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism() + 2));
const { main } = await import('../dist/src/cli/main.js');

main(process.argv).catch((err) => {
  process.stderr.write(`nixwrt: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
