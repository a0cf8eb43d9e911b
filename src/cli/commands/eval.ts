/** `nixwrt eval CONFIG`: evaluate a config's modules and print the resulting System. */
import type { Command } from 'commander';
import { loadSystem } from '../../config/evaluate.js';
import { loadLock } from '../../config/load.js';
import { describeSystem, systemToJson } from '../../config/summary.js';

export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate a config (.ts or .json) and print the system it describes')
    .argument('<config>', 'config file')
    .option('--lock <file>', 'use this lock file instead of the one the config names')
    .option('--json', 'print the whole evaluated System as JSON')
    .action(async (config: string, opts: { lock?: string; json?: boolean }) => {
      const lock = opts.lock === undefined ? undefined : await loadLock(opts.lock);
      const system = await loadSystem(config, lock ? { lock } : {});
      process.stdout.write(opts.json ? systemToJson(system) : describeSystem(system));
    });
}
