import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Peer tools and worker pools are CPU-heavy; two cores on CI machines.
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
