import type { Command } from 'commander';
import { collect, parseJobs } from '../options.js';
import { benchConfig, type BenchResult } from '../../bench/compare.js';

export function register(program: Command): void {
  program
    .command('bench')
    .description('build a config cold (empty cache) and warm, and run the classic tools on the same inputs; print the ratios')
    .argument('<config>', 'config file, e.g. examples/emu.ts')
    .option('--warm-config <file>', 'config of the warm build (default: the same config; e.g. a copy with another hostname)')
    .option('--work <dir>', 'scratch directory, kept afterwards (default: a temp directory, removed at the end)')
    .option('--substituter <url>', 'binary cache URL (repeatable; default: the lock file cache)', collect, [])
    .option('--trusted-public-key <key>', 'name:base64 key trusted to sign narinfos (repeatable)', collect, [])
    .option('--jobs <n>', 'worker threads for compression and downloads', parseJobs)
    .option('--no-classic', 'skip the classic tools (mksquashfs, objcopy, lzma_alone, mkimage, dd)')
    .option('--json', 'print the result as JSON')
    .action(async (config: string, o: Options) => {
      const r = await benchConfig({
        config,
        warmConfig: o.warmConfig,
        work: o.work,
        substituters: o.substituter.length ? o.substituter : undefined,
        trustedPublicKeys: o.trustedPublicKey.length ? o.trustedPublicKey : undefined,
        jobs: o.jobs,
        classic: o.classic,
      });
      process.stdout.write(o.json ? `${JSON.stringify(toJson(r), null, 2)}\n` : formatBench(r));
    });
}

function toJson(r: BenchResult) {
  const build = (b: BenchResult['cold']) => ({ ms: Math.round(b.ms), timings: b.result.timings, cache: b.result.cache });
  return { work: r.work, cold: build(r.cold), warm: build(r.warm), classic: r.classic, ratios: r.ratios, rootfsBytes: r.rootfsBytes, machine: r.machine };
}

/** The human-readable report: one line per step, ratios against the classic script. */
export function formatBench(r: BenchResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(9);
  const vs = (ms: number) => (r.classic ? `${(ms / r.classic.totalMs).toFixed(2)}×`.padStart(8) : '');
  const lines = [`${'step'.padEnd(40)} ${'wall'.padStart(9)} ${r.classic ? 'vs classic' : ''}`];
  lines.push(`${'nixwrt build, cold (empty cache)'.padEnd(40)} ${s(r.cold.ms)} ${vs(r.cold.ms)}`);
  lines.push(`${'nixwrt build, warm'.padEnd(40)} ${s(r.warm.ms)} ${vs(r.warm.ms)}`);
  for (const st of r.classic?.steps ?? []) lines.push(`${st.label.padEnd(40)} ${s(st.ms)} ${vs(st.ms)}`);
  if (r.classic) lines.push(`${'classic script, total'.padEnd(40)} ${s(r.classic.totalMs)} ${vs(r.classic.totalMs)}`);
  lines.push(`warm / cold: ${(r.ratios.warmOverCold * 100).toFixed(1)} %`);
  lines.push(`rootfs: ours ${r.rootfsBytes.ours} bytes${r.rootfsBytes.classic !== undefined ? `, mksquashfs ${r.rootfsBytes.classic} bytes` : ''}`);
  lines.push(`artefact cache: cold ${r.cold.result.cache.hits} hits / ${r.cold.result.cache.misses} misses; warm ${r.warm.result.cache.hits} hits / ${r.warm.result.cache.misses} misses`);
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  lines.push(`machine: ${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}; load average ${load(r.machine.loadBefore)} before, ${load(r.machine.loadAfter)} after`);
  return `${lines.join('\n')}\n`;
}

interface Options {
  warmConfig?: string;
  work?: string;
  substituter: string[];
  trustedPublicKey: string[];
  jobs?: number;
  classic: boolean;
  json?: boolean;
}
