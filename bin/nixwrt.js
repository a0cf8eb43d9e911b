#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (prepare).
import { main } from '../dist/src/cli/main.js';

main(process.argv).catch((err) => {
  process.stderr.write(`nixwrt: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
