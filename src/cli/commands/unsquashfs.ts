import { Command } from 'commander';
import { extractSquashfs, openSquashfs, type SquashfsImage } from '../../squashfs/index.js';

/** Write to stdout and wait for it; rejects with the stream's error (EPIPE when a reader left). */
function out(chunk: Uint8Array): Promise<void> {
  return new Promise((res, rej) => process.stdout.write(chunk, (err) => (err ? rej(err) : res())));
}

/** `unsquashfs -l`: one line per entry, names as their bytes, in chunks of about 64 KiB. */
async function list(img: SquashfsImage, prefix: string): Promise<void> {
  const head = Buffer.from(prefix);
  const nl = Buffer.from('\n');
  let parts: Buffer[] = [];
  let size = 0;
  for (const { pathBytes } of img.walk()) {
    const line = pathBytes.length === 1 ? [head, nl] : [head, pathBytes, nl];
    parts.push(...line);
    size += head.length + pathBytes.length + 1;
    if (size >= 1 << 16) {
      await out(Buffer.concat(parts));
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) await out(Buffer.concat(parts));
}

export function register(program: Command): void {
  program
    .command('unsquashfs')
    .description('List or extract a SquashFS 4.0 image')
    .argument('<image>', 'image file')
    .option('-d, --dest <dir>', 'extract into DIR (new, or an empty directory)', 'squashfs-root')
    .option('-l, --list', 'list paths instead of extracting')
    .action(async (image: string, o: { dest: string; list?: boolean }) => {
      const img = await openSquashfs(image);
      try {
        if (o.list) {
          // A reader that stops early (`| head`) ends the listing quietly, as for any filter.
          const quiet = (err: NodeJS.ErrnoException) => err.code === 'EPIPE';
          process.stdout.on('error', (err: NodeJS.ErrnoException) => {
            if (!quiet(err)) throw err;
          });
          await list(img, o.dest).catch((err: NodeJS.ErrnoException) => {
            if (!quiet(err)) throw err;
          });
        } else {
          const { entries, xattrsNotSet, notCreated } = await extractSquashfs(img, o.dest);
          process.stdout.write(`${entries - notCreated.length} of ${entries} entries extracted to ${o.dest}\n`);
          // As unsquashfs: warnings, not failures (trusted./security. xattrs and devices need root).
          if (xattrsNotSet.length > 0) process.stderr.write(`nixwrt: ${xattrsNotSet.length} xattrs could not be set, e.g. ${xattrsNotSet[0]}\n`);
          if (notCreated.length > 0) {
            process.stderr.write(`nixwrt: ${notCreated.length} devices not created (not root), e.g. ${notCreated[0]}\n`);
            process.exitCode = 2;
          }
        }
      } finally {
        img.close();
      }
    });
}
