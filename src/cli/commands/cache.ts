import type { Command } from 'commander';
import { parseSize } from '../options.js';
import { cacheMaxSize, DEFAULT_CACHE_MAX_SIZE } from '../../cache/limit.js';
import { resolve } from 'node:path';
import { defaultCacheDir } from '../../util/cache-dir.js';
import { ArtefactStore } from '../../cache/index.js';


export function register(program: Command): void {
  const cache = program.command('cache').description('the artefact cache used by incremental builds, and the store cache of NARs');
  cache
    .command('verify')
    .description('check every artefact against its SHA-256 and every cached NAR against its NarHash; exit 1 if any is damaged')
    .option('--cache-dir <dir>', 'cache directory (default: $XDG_CACHE_HOME/nixwrt)')
    .option('--remove', 'delete damaged entries (builds then rebuild them)')
    .action(async (o: { cacheDir?: string; remove?: boolean }) => {
      const r = await storeOf(o.cacheDir).verify({ remove: o.remove });
      const removed = o.remove ? ' (removed)' : '';
      for (const e of r.damaged) process.stdout.write(`damaged${removed}: ${e.path}\n`);
      process.stdout.write(`${r.checked} entries checked, ${r.damaged.length} damaged\n`);
      const { verifyStoreCache } = await import('../../nix/store-cache.js');
      const n = await verifyStoreCache(resolve(o.cacheDir ?? defaultCacheDir()), { remove: o.remove });
      for (const e of n.damaged) process.stdout.write(`damaged NAR${removed}: ${e.storePath} (${e.narPath}): ${e.reason}\n`);
      // Only a cache that holds NARs gets the line (an artefact-only cache prints as before).
      if (n.checked > 0) process.stdout.write(`${n.checked} NARs checked, ${n.damaged.length} damaged\n`);
      if (r.damaged.length + n.damaged.length > 0 && !o.remove) process.exitCode = 1;
    });
  cache
    .command('gc')
    .description('remove least recently used artefacts until the cache is at most --max-size bytes')
    .option('--cache-dir <dir>', 'cache directory (default: $XDG_CACHE_HOME/nixwrt)')
    .option('--max-size <bytes>', `size limit in bytes (suffixes K, M, G; default $NIXWRT_CACHE_MAX_SIZE, else ${DEFAULT_CACHE_MAX_SIZE})`, parseSize)
    .action(async (o: { cacheDir?: string; maxSize?: number }) => {
      const r = await storeOf(o.cacheDir).gc(cacheMaxSize(o.maxSize));
      process.stdout.write(`removed ${r.removed} entries: ${r.before} → ${r.after} bytes\n`);
    });
}

function storeOf(dir: string | undefined): ArtefactStore {
  return new ArtefactStore(resolve(dir ?? defaultCacheDir()));
}
