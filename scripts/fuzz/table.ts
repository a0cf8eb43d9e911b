import type { TargetStats } from './runner.js';

/** The summary: one row per target (Markdown, so it pastes into FUZZ.md as is). */
export function formatTable(rows: readonly TargetStats[]): string {
  const head = ['target', 'inputs', 'ok', 'typed errors', 'untyped', 'hangs', 'over memory', 'max RSS MiB', 'max heap MiB', 'seconds'];
  const lines = [head, head.map(() => '---')];
  for (const s of rows) {
    lines.push([s.target, s.iterations, s.ok, s.typed, s.untyped, s.hangs, s.overMemory, s.maxRssMb, s.maxHeapMb, s.seconds.toFixed(0)].map(String));
  }
  return lines.map((l) => `| ${l.join(' | ')} |`).join('\n');
}
