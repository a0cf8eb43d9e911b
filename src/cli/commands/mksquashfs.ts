import { lstat, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command, Option, InvalidArgumentError } from 'commander';
// The writer's own modules, not the squashfs index: the reader and extractor are start-up time
// this command never uses.
import { clampTimes, treeFromHostDir } from '../../squashfs/host-tree.js';
import { writeSquashfs } from '../../squashfs/writer.js';
import { XZ_BCJ, type XzBcj } from '../../squashfs/compressor.js';
import { SquashfsError } from '../../squashfs/errors.js';
import { createPool, defaultThreads } from '../../workers/pool.js';

function int(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`not a non-negative integer: ${v}`);
  return n;
}

function size(v: string): number {
  const m = /^([0-9]+)([kKmM]?)$/.exec(v);
  if (!m) throw new InvalidArgumentError(`not a size: ${v}`);
  return Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]!) ? 1024 : 1 << 20);
}

export function register(program: Command): void {
  program
    .command('mksquashfs')
    .description('Make a SquashFS 4.0 image from a directory (mksquashfs-compatible layout)')
    .argument('<source>', 'source directory')
    .argument('<image>', 'output image')
    .addOption(new Option('--comp <name>', 'compressor').choices(['xz', 'gzip', 'zstd', 'none']).default('gzip'))
    .option('--block-size <bytes>', 'data block size, 4K..1M', size, 131072)
    .option('--all-root', 'make every entry owned by root')
    .option('--mkfs-time <t>', 'superblock time (default SOURCE_DATE_EPOCH, else now)', int)
    .option('--all-time <t>', 'set every mtime to T', int)
    .option('--no-fragments', 'do not pack small files into fragments')
    .option('--always-fragments', 'also pack tails of larger files into fragments')
    .option('--no-dedup', 'do not store identical files once')
    .option('--no-xattrs', 'do not store extended attributes (user., trusted., security.)')
    .option('--xz-dict-size <bytes>', 'xz dictionary size', size)
    .option('--xz-bcj <list>', `xz BCJ filters to try, comma-separated (${XZ_BCJ.join(',')})`)
    .option('--level <n>', 'compression level (gzip 1-9, zstd 1-22)', int)
    .option('--pseudo-file <file>', 'pseudo definitions (mksquashfs -pf subset: d m b c s i)')
    .option('--jobs <n>', 'compression worker threads (0 = main thread; default: one per CPU)', int)
    .action(async (source: string, image: string, o: Record<string, unknown>) => {
      // Paths first, as typed errors: a bare ENOENT or EISDIR would say neither which nor why.
      if ((await lstat(image).catch(() => undefined))?.isDirectory()) throw new SquashfsError('bad-output', `${image} is a directory, not an image file`);
      const parent = await stat(dirname(image)).catch(() => undefined);
      if (parent && !parent.isDirectory()) throw new SquashfsError('bad-output', `${dirname(image)} is not a directory`);
      const pseudo = o.pseudoFile
        ? await readFile(o.pseudoFile as string, 'utf8').catch((err: Error) => {
            throw new SquashfsError('bad-input', `pseudo file ${o.pseudoFile as string}: ${err.message}`, { cause: err });
          })
        : undefined;
      const epoch = process.env.SOURCE_DATE_EPOCH ? int(process.env.SOURCE_DATE_EPOCH) : undefined;
      const mkfsTime = (o.mkfsTime as number | undefined) ?? epoch ?? Math.floor(Date.now() / 1000);
      // Its size bounds the blocks compressing at once; threads start only for the fallback codecs.
      const pool = createPool({ threads: (o.jobs as number | undefined) ?? defaultThreads() });
      try {
        const root = await treeFromHostDir(source, { xattrs: o.xattrs as boolean });
        if (pseudo !== undefined) {
          const { applyPseudo } = await import('../../squashfs/pseudo.js');
          applyPseudo(root, pseudo, { mtime: mkfsTime, file: o.pseudoFile as string });
        }
        if (epoch !== undefined && o.allTime === undefined) clampTimes(root, epoch);
        const { size: bytes } = await writeSquashfs(root, image, {
          comp: o.comp as 'xz' | 'gzip' | 'zstd' | 'none',
          blockSize: o.blockSize as number,
          mkfsTime,
          allTime: o.allTime as number | undefined,
          allRoot: Boolean(o.allRoot),
          fragments: o.fragments as boolean,
          alwaysFragments: Boolean(o.alwaysFragments),
          dedup: o.dedup as boolean,
          xattrs: o.xattrs as boolean,
          xzDictSize: o.xzDictSize as number | undefined,
          xzBcj: o.xzBcj ? ((o.xzBcj as string).split(',').filter(Boolean) as XzBcj[]) : undefined,
          level: o.level as number | undefined,
          pool,
        });
        process.stdout.write(`${image}: ${bytes} bytes\n`);
      } finally {
        await pool.close();
      }
    });
}
