import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addToLock, checkLock, listLock, newLock, parseEntry, pathInfoEntries, type LockChange } from '../../project/lock-edit.js';
import { defaultCacheDir } from '../../util/cache-dir.js';

const LOCK = ['--lock <file>', 'the lock file', 'nixwrt.lock.json'] as const;

export function register(program: Command): void {
  const lock = program.command('lock').description('make and edit lock files: package names → store paths in a binary cache of yours');
  lock
    .command('new')
    .description('start a lock for a binary cache (no packages yet)')
    .requiredOption('--cache <url>', 'the binary cache: file:///dir, http(s)://..., or a directory relative to the lock')
    .requiredOption('--public-key <key>', 'name:base64 key its narinfos are signed with (nix key convert-secret-to-public)')
    .option(...LOCK)
    .action(async (o: { cache: string; publicKey: string; lock: string }) => {
      await newLock(o.lock, { url: o.cache, publicKey: o.publicKey });
      process.stdout.write(`wrote ${resolve(o.lock)}\n`);
    });
  lock
    .command('add')
    .description("add or replace packages; each must be in the lock's cache, signed by its key")
    .argument('<name=storepath...>', 'e.g. busybox=/nix/store/...-busybox-1.35.0 (a bare store path is named after it, without the version)')
    .option(...LOCK)
    .action(async (args: string[], o: { lock: string }) => report(o.lock, await addToLock(o.lock, args.map(parseEntry))));
  lock
    .command('import')
    .description('add every path of `nix path-info --json --recursive ...` output (a file, or - for stdin)')
    .argument('<file>', 'the JSON, or - for stdin')
    .option(...LOCK)
    .action(async (file: string, o: { lock: string }) => {
      const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
      report(o.lock, await addToLock(o.lock, pathInfoEntries(text, file === '-' ? 'stdin' : file)));
    });
  lock
    .command('list')
    .description('print the cache and the packages')
    .option(...LOCK)
    .option('--json', 'as JSON')
    .action(async (o: { lock: string; json?: boolean }) => {
      const l = await listLock(o.lock);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ cache: l.cacheUrl, publicKey: l.publicKey, packages: l.packages }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`cache ${l.cacheUrl} (key ${l.publicKey.slice(0, l.publicKey.indexOf(':'))})\n`);
      const names = Object.keys(l.packages).sort();
      const w = Math.max(0, ...names.map((n) => n.length));
      for (const n of names) process.stdout.write(`  ${n.padEnd(w)}  ${l.packages[n]}\n`);
    });
  lock
    .command('check')
    .description("fetch every package's closure from the lock's cache, checking signatures and hashes")
    .option(...LOCK)
    .option('--cache-dir <dir>', 'where fetched paths are kept (default: the build cache, $XDG_CACHE_HOME/nixwrt)')
    .action(async (o: { lock: string; cacheDir?: string }) => {
      const r = await checkLock(o.lock, resolve(o.cacheDir ?? defaultCacheDir()));
      process.stdout.write(`ok: ${r.packages} packages, ${r.storePaths} store paths (${r.narBytes} NAR bytes), all signed and fetched\n`);
    });
}

function report(lock: string, c: LockChange): void {
  const parts = [c.added.length ? `added ${c.added.join(', ')}` : '', c.replaced.length ? `replaced ${c.replaced.join(', ')}` : ''].filter(Boolean);
  process.stdout.write(`${resolve(lock)}: ${parts.join('; ') || 'unchanged'}\n`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
