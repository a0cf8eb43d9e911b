/**
 * Driver for squashfs-tools' mksquashfs behind the options of our writer (src/squashfs):
 * for differential tests, the benchmark and `--engine native`. Runs the tool with execFile.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { SquashfsError } from '../src/squashfs/errors.js';
import type { SquashfsOptions } from '../src/squashfs/options.js';

const run = promisify(execFile);

/** mksquashfs arguments equivalent to `opts` (mksquashfs 4.5 spelling). */
export function mksquashfsArgs(opts: Omit<SquashfsOptions, 'pool' | 'blockCache'> & { pseudoFile?: string }): string[] {
  const a = ['-noappend', '-quiet', '-no-progress', '-mkfs-time', String(opts.mkfsTime)];
  const comp = opts.comp ?? 'gzip';
  if (comp === 'none') a.push('-noI', '-noD', '-noF', '-noX');
  else a.push('-comp', comp);
  if (opts.blockSize) a.push('-b', String(opts.blockSize));
  if (opts.allTime !== undefined) a.push('-all-time', String(opts.allTime));
  if (opts.allRoot) a.push('-all-root');
  if (opts.fragments === false) a.push('-no-fragments');
  if (opts.alwaysFragments) a.push('-always-use-fragments');
  if (opts.dedup === false) a.push('-no-duplicates');
  if (opts.exportable === false) a.push('-no-exports');
  if (comp === 'xz' && opts.xzDictSize) a.push('-Xdict-size', String(opts.xzDictSize));
  if (comp === 'xz' && opts.xzBcj?.length) a.push('-Xbcj', opts.xzBcj.join(','));
  if (opts.level !== undefined && comp === 'gzip') a.push('-Xcompression-level', String(opts.level));
  if (opts.level !== undefined && comp === 'zstd') a.push('-Xcompression-level', String(opts.level));
  if (opts.jobs) a.push('-processors', String(opts.jobs));
  if (opts.pseudoFile) a.push('-pf', opts.pseudoFile);
  return a;
}

export async function writeSquashfsNative(
  sourceDir: string,
  outPath: string,
  opts: Omit<SquashfsOptions, 'pool' | 'blockCache'> & { pseudoFile?: string },
): Promise<{ size: number }> {
  try {
    await run('mksquashfs', [sourceDir, outPath, ...mksquashfsArgs(opts)], { maxBuffer: 16 << 20 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new SquashfsError('bad-option', 'mksquashfs is not installed (Debian package squashfs-tools)');
    throw new SquashfsError('bad-source', `mksquashfs failed: ${e.stderr ?? e.message}`);
  }
  return { size: (await stat(outPath)).size };
}
