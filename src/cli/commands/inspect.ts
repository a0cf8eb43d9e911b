import type { Command } from 'commander';
import { formatInspection, inspect, inspectionError } from '../../image/inspect.js';
import { readInputFile } from '../../util/input-file.js';

export function register(program: Command): void {
  program
    .command('inspect')
    .description('explain a uImage, FIT, squashfs, DTB or whole firmware image (parts found by their magic numbers); exit 1 when nothing is identified or a part is truncated or damaged')
    .argument('<file>')
    .option('--json', 'print the parts (kind, offset, size, problem, description lines) as JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      const r = await inspect(await readInputFile(file, 'file to inspect'), file);
      process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : formatInspection(r));
      // As mkimage -l: the description first, then the complaint and a non-zero exit.
      const err = inspectionError(r);
      if (err) throw err;
    });
}
