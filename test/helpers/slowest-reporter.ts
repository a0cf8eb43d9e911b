// Prints the slowest test files after a run, with the machine's load, so a slow suite says
// where its time went (and whether the machine was busy) without a second run.
import { loadavg } from 'node:os';
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

const SHOW = 10;

export default class SlowestReporter implements Reporter {
  private readonly started = Date.now();

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows = modules
      .map((m) => {
        const d = m.diagnostic();
        return { file: relative(process.cwd(), m.moduleId), ms: d.duration + d.collectDuration + d.setupDuration };
      })
      .sort((a, b) => b.ms - a.ms)
      .slice(0, SHOW);
    const wall = (Date.now() - this.started) / 1000;
    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    const lines = rows.map((r) => `  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.file}`);
    process.stdout.write(`\nSlowest test files (wall ${wall.toFixed(0)} s, load ${load}):\n${lines.join('\n')}\n`);
  }
}
