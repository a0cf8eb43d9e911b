import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { inspectBytes } from '../../image/inspect.js';

export function register(program: Command): void {
  program
    .command('inspect')
    .description('explain a uImage, FIT, squashfs, DTB or whole firmware image (parts found by their magic numbers)')
    .argument('<file>')
    .action(async (file: string) => {
      process.stdout.write(await inspectBytes(await readFile(file), file));
    });
}
