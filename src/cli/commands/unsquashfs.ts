import { Command } from 'commander';
import { extractSquashfs, openSquashfs } from '../../squashfs/index.js';

export function register(program: Command): void {
  program
    .command('unsquashfs')
    .description('List or extract a SquashFS 4.0 image')
    .argument('<image>', 'image file')
    .option('-d, --dest <dir>', 'extract into DIR', 'squashfs-root')
    .option('-l, --list', 'list paths instead of extracting')
    .action(async (image: string, o: { dest: string; list?: boolean }) => {
      const img = await openSquashfs(image);
      try {
        if (o.list) {
          for (const { path } of img.walk()) process.stdout.write(`${o.dest}${path === '/' ? '' : path}\n`);
        } else {
          const { entries, xattrsNotSet } = await extractSquashfs(img, o.dest);
          process.stdout.write(`${entries} entries extracted to ${o.dest}\n`);
          // As unsquashfs: a warning, not a failure (trusted./security. need root).
          if (xattrsNotSet.length > 0) process.stderr.write(`nixwrt: ${xattrsNotSet.length} xattrs could not be set, e.g. ${xattrsNotSet[0]}\n`);
        }
      } finally {
        img.close();
      }
    });
}
