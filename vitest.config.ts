import { defineConfig } from 'vitest/config';
import { slackFactor } from './test/helpers/slack.js';

// Limits grow with the load seen at start (test/helpers/slack.ts): a shared 2-core machine at
// load 10 runs everything ~5x slower, and a limit that fails there says nothing about the code.
const slack = slackFactor();

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: Math.round(120_000 * slack),
    hookTimeout: Math.round(300_000 * slack),
    teardownTimeout: Math.round(30_000 * slack),
    // Peer tools and worker pools are CPU-heavy; two cores on CI machines.
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ['default', './test/helpers/slowest-reporter.ts'],
    setupFiles: ['./test/helpers/block-watch.ts'],
  },
});
