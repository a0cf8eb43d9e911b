import { InvalidArgumentError, type Command } from 'commander';
import { collect, parseJobs, parseSize } from '../options.js';
import { fetchBar, kernelLzmaBar, megabytes, progressFor } from '../progress.js';
import { build, type BuildOptions, type BuildOutput, type BuildResult } from '../../build.js';
import { isNixwrtError } from '../../errors.js';
import { cleanUpOnSignals } from '../../nix/temp-files.js';
import { requireInputFile } from '../../util/input-file.js';

const OUTPUTS = ['firmware', 'phramware', 'emulator', 'all'] as const;

export function register(program: Command): void {
  program
    .command('build')
    .description('build firmware images from a config (.ts or .json)')
    .argument('<config>', 'config file, e.g. examples/emu.ts')
    .option('--output <name>', `what to build: ${OUTPUTS.join(', ')} (repeatable; default: the config's outputs.wanted, else all the device supports)`, parseOutput, [])
    .option('--out <dir>', 'output directory', 'out')
    .option('--substituter <url>', 'binary cache URL (repeatable; default: the lock file cache)', collect, [])
    .option('--trusted-public-key <key>', 'name:base64 key trusted to sign narinfos (repeatable)', collect, [])
    .option('--cache-dir <dir>', 'local store cache and artefact cache')
    .option('--jobs <n>', 'worker threads for compression and downloads', parseJobs)
    .option('--cache-max-size <bytes>', 'artefact cache limit, applied after the build (suffixes K, M, G; default $NIXWRT_CACHE_MAX_SIZE, else 2G)', parseSize)
    .option('--json', 'print the result (outputs, sizes, hashes, stage timings) as JSON')
    .option('--timings', 'print the wall time of each pipeline stage')
    .option('--watch', 'stay up and rebuild whenever the config, its imports, the lock file or an overlay changes')
    .action(async (config: string, o: Options) => {
      const outputs = o.output.length === 0 ? undefined : o.output.includes('all') ? 'all' : (o.output as BuildOutput[]);
      // Bars on a terminal only, never with --json (stderr stays clean for scripts), nor with
      // --watch (reports are printed between builds, where the bars would redraw).
      const bars = progressFor(process.stderr, { quiet: o.json || o.watch });
      const onFetch = bars && fetchBar(bars);
      const onKernel = bars && kernelLzmaBar(bars);
      const opts: BuildOptions = {
        config,
        onProgress:
          bars &&
          ((e) => {
            if (e.kind === 'fetch') onFetch!(e.event);
            else if (e.kind === 'kernel-lzma') onKernel!(e);
            else bars.set('squashfs', e.done, e.total, `${megabytes(e.done)}/${megabytes(e.total)} of files`);
          }),
        outputs,
        outDir: o.out,
        substituters: o.substituter.length ? o.substituter : undefined,
        trustedPublicKeys: o.trustedPublicKey.length ? o.trustedPublicKey : undefined,
        cacheDir: o.cacheDir,
        jobs: o.jobs,
        cacheMaxSize: o.cacheMaxSize,
      };
      await requireInputFile(config, 'config');
      if (o.watch) return watch(opts, o);
      let r;
      // Ctrl-C or a kill leaves no partial download behind (nix/temp-files.ts).
      const stopCleaning = cleanUpOnSignals();
      try {
        r = await build(opts);
      } finally {
        stopCleaning();
        bars?.finish();
      }
      report(r, o);
    });
}

/** Rebuild on every change until Ctrl-C; a failed build is reported and the watch goes on. */
async function watch(opts: BuildOptions, o: Options): Promise<void> {
  const { watchBuild } = await import('../../watch.js');
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await watchBuild({
      build: opts,
      signal: stop.signal,
      onEvent: (e) => {
        const why = e.changed.length ? ` (changed: ${e.changed.join(', ')})` : '';
        const took = `${(e.ms / 1000).toFixed(2)} s`;
        if (e.kind === 'built') {
          if (o.json) process.stdout.write(`${JSON.stringify({ ok: true, ms: Math.round(e.ms), changed: e.changed, ...summary(e.result) })}\n`);
          else {
            report(e.result, o);
            process.stdout.write(`built in ${took}${why}; watching for changes (Ctrl-C ends)\n`);
          }
        } else {
          const err = e.error;
          const msg = isNixwrtError(err) ? `${err.message} [${err.code}]` : err instanceof Error ? err.message : String(err);
          if (o.json) process.stdout.write(`${JSON.stringify({ ok: false, ms: Math.round(e.ms), changed: e.changed, error: msg })}\n`);
          else process.stderr.write(`nixwrt: build failed after ${took}${why}: ${msg}\nwatching for changes (Ctrl-C ends)\n`);
        }
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function summary(r: BuildResult) {
  return { outDir: r.outDir, device: r.device, files: r.files, timings: r.timings, cache: r.cache, ...(r.repaired ? { repaired: r.repaired } : {}) };
}

function report(r: BuildResult, o: Options): void {
  if (o.json) {
    process.stdout.write(`${JSON.stringify(summary(r), null, 2)}\n`);
    return;
  }
  for (const m of r.repaired ?? []) process.stderr.write(`nixwrt: repaired: ${m} (fetched again) [corrupt-nar]\n`);
  process.stdout.write(`built ${r.device} in ${r.outDir}\n`);
  for (const f of r.files) process.stdout.write(`  ${f.file.padEnd(26)} ${String(f.size).padStart(10)} bytes  sha256 ${f.sha256.slice(0, 16)}\n`);
  process.stdout.write(`  ${'manifest.json'.padEnd(26)}\n`);
  if (o.timings) {
    const total = r.timings.reduce((a, t) => a + t.ms, 0);
    for (const t of r.timings) {
      const c = t.cache ? `  cache: ${t.cache.hits} hits, ${t.cache.misses} misses${t.cache.damaged ? `, ${t.cache.damaged} damaged` : ''}, ${t.cache.puts} written` : '';
      process.stdout.write(`  ${t.stage.padEnd(12)} ${(t.ms / 1000).toFixed(3).padStart(8)} s${c}\n`);
    }
    process.stdout.write(`  ${'total'.padEnd(12)} ${(total / 1000).toFixed(3).padStart(8)} s\n`);
    process.stdout.write(`  artefact cache: ${r.cache.hits} hits, ${r.cache.misses} misses, ${r.cache.damaged} damaged, ${r.cache.puts} written\n`);
    if (r.cache.gc) process.stdout.write(`  cache limit: ${r.cache.gc.removed} entries removed, ${r.cache.gc.before} → ${r.cache.gc.after} bytes\n`);
  }
}

interface Options {
  output: string[];
  out: string;
  substituter: string[];
  trustedPublicKey: string[];
  cacheDir?: string;
  jobs?: number;
  cacheMaxSize?: number;
  json?: boolean;
  timings?: boolean;
  watch?: boolean;
}

function parseOutput(v: string, acc: string[]): string[] {
  if (!(OUTPUTS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${OUTPUTS.join(', ')}`);
  return [...acc, v];
}
