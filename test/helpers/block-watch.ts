// Setup file: reports a test file that blocks its worker's event loop for long. vitest's
// worker talks to the main process over RPC with a fixed 60 s deadline; a synchronous child
// process (spawnSync, execFileSync) that runs that long on a loaded machine makes the run fail
// with `Timeout calling "onTaskUpdate"` far from the cause. Long work belongs in async calls.
import { afterAll, beforeEach, expect } from 'vitest';

const TICK_MS = 1000;
const REPORT_MS = 20_000;

let last = Date.now();
let worst = { ms: 0, test: '' };
let current = '(file set-up)';

beforeEach(() => {
  current = expect.getState().currentTestName ?? '(unnamed test)';
});

const timer = setInterval(() => {
  const now = Date.now();
  const gap = now - last - TICK_MS;
  if (gap > worst.ms) worst = { ms: gap, test: current };
  last = now;
}, TICK_MS);
timer.unref();

afterAll(() => {
  clearInterval(timer);
  if (worst.ms >= REPORT_MS) {
    const file = expect.getState().testPath ?? '';
    process.stderr.write(`[block-watch] ${file}: event loop blocked ${(worst.ms / 1000).toFixed(0)} s near "${worst.test}"\n`);
  }
});
