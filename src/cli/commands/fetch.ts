import type { Command } from 'commander';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { FetchError, StoreCacheError } from '../../nix/errors.js';
import { DEFAULT_LOW_SPEED } from '../../nix/substituter/http.js';
import { loadLock, resolvePackage } from '../../nix/lock.js';
import { defaultCacheDir, fetchClosure } from '../../nix/store-cache.js';
import { collect } from '../options.js';
import { fetchBar, progressFor } from '../progress.js';
import { writeClosure } from '../../nix/restore.js';
import { isStorePath } from '../../nix/store-path.js';
import { cleanUpOnSignals } from '../../nix/temp-files.js';
import { requireInputFile } from '../../util/input-file.js';

interface FetchFlags {
  substituter: string[];
  trustedPublicKey: string[];
  lock?: string;
  cacheDir?: string;
  out?: string;
  jobs: string;
  threads: string;
  speedLimit: string;
  speedTime: string;
  json?: boolean;
}

/**
 * A fetch is a short process whose per-byte work is native (HTTP parsing, decoding, SHA-256,
 * copies, syscalls): V8's optimizing compiler spent ~17 % of its CPU (perf, bench/nix) on
 * code that ran for a second, and turning it off saved 0.2-0.3 s of CPU per 100 MB fetch.
 * Set for this command's process only: library callers (nixwrt build) keep the optimizer for
 * their compression stages.
 */
function skipOptimizingCompiler(): void {
  try {
    setFlagsFromString('--no-opt');
  } catch {
    // A V8 that refuses flags after start-up just keeps optimizing.
  }
}

export function register(program: Command): void {
  program
    .command('fetch')
    .description('Fetch store paths and their closure from binary caches into the local store cache')
    .argument('<paths...>', 'store paths, or package names resolved through --lock')
    .option('--substituter <url>', 'binary cache URL (file://, http://, https://); repeatable', collect, [])
    .option('--trusted-public-key <key>', 'trusted signing key name:base64; repeatable', collect, [])
    .option('--lock <file>', 'lock file: package names, and the cache and key used when none are given')
    .option('--cache-dir <dir>', 'local store cache (default $XDG_CACHE_HOME/nixwrt)')
    .option('--out <dir>', 'also unpack the closure under DIR/nix/store, as nix-store --restore does')
    .option('--jobs <n>', 'narinfo lookups and downloads in flight', '25')
    .option('--threads <n>', 'worker threads that download, verify and write NARs (0: all on the main thread)', '0')
    .option('--speed-limit <bytes/s>', 'retry, then fail, a download slower than this on average over --speed-time (0: no limit)', String(DEFAULT_LOW_SPEED.bytesPerSecond))
    .option('--speed-time <seconds>', 'the window --speed-limit is measured over', String(DEFAULT_LOW_SPEED.windowMs / 1000))
    .option('--json', 'print the fetched paths as JSON')
    .action(async (args: string[], flags: FetchFlags) => {
      skipOptimizingCompiler();
      const substituters = [...flags.substituter];
      const keys = [...flags.trustedPublicKey];
      if (flags.lock) await requireInputFile(flags.lock, 'lock file');
      const lock = flags.lock ? await loadLock(flags.lock) : undefined;
      if (lock && substituters.length === 0) substituters.push(lock.cacheUrl);
      if (lock && keys.length === 0) keys.push(lock.publicKey);
      const roots = args.map((a) => {
        if (isStorePath(a)) return a;
        if (!lock) throw new FetchError('not-found', `${a} is not a store path, and no --lock was given to resolve package names`);
        return resolvePackage(lock, a, 'the command line');
      });
      if (substituters.length === 0) throw new FetchError('not-found', 'no --substituter given (nor --lock)');
      const jobs = Number(flags.jobs);
      if (!Number.isInteger(jobs) || jobs < 1) throw new FetchError('io', `--jobs must be a positive integer, not ${flags.jobs}`);
      const threads = Number(flags.threads);
      if (!Number.isInteger(threads) || threads < 0) throw new FetchError('io', `--threads must be a non-negative integer, not ${flags.threads}`);
      const speedLimit = Number(flags.speedLimit);
      const speedTime = Number(flags.speedTime);
      if (!(speedLimit >= 0) || !(speedTime > 0)) throw new FetchError('io', `--speed-limit must be a number >= 0 and --speed-time one > 0, not ${flags.speedLimit} and ${flags.speedTime}`);
      const bars = progressFor(process.stderr, { quiet: flags.json });
      // Ctrl-C or a kill leaves no partial download behind (temp-files.ts).
      const stopCleaning = cleanUpOnSignals();
      const fetchOnce = async () => {
        const got = await fetchClosure(roots, {
          substituters,
          trustedPublicKeys: keys,
          cacheDir: resolve(flags.cacheDir ?? defaultCacheDir()),
          jobs,
          threads,
          lowSpeed: speedLimit > 0 ? { bytesPerSecond: speedLimit, windowMs: speedTime * 1000 } : { bytesPerSecond: 0, windowMs: Infinity },
          onProgress: bars && fetchBar(bars),
          outDir: flags.out ? resolve(flags.out) : undefined,
        });
        if (flags.out) await writeClosure(got.values(), resolve(flags.out));
        return got;
      };
      let paths: Awaited<ReturnType<typeof fetchClosure>>;
      try {
        paths = await fetchOnce().catch(async (err: unknown) => {
          // --out found a cached NAR damaged (nix/nar-proof.ts) and removed it: fetch it again, once.
          if (!(err instanceof StoreCacheError)) throw err;
          process.stderr.write(`nixwrt: repaired: ${err.message} [corrupt-nar]\n`);
          return fetchOnce();
        });
      } finally {
        bars?.finish();
        stopCleaning();
      }
      if (flags.json) {
        const list = [...paths.values()].map(({ listing: _l, ...rest }) => rest);
        process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      } else {
        for (const p of paths.keys()) process.stdout.write(p + '\n');
      }
    });
}
