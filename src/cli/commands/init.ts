import type { Command } from 'commander';
import { initProject } from '../../project/init.js';

export function register(program: Command): void {
  program
    .command('init')
    .description('make a new project (config, lock, README, package.json) that builds at once from the demo cache')
    .argument('<dir>', 'new or empty directory')
    .option('--device <name>', 'built-in device (nixwrt devices lists them)', 'qemu-malta')
    .action(async (dir: string, o: { device: string }) => {
      const r = await initProject(dir, { device: o.device });
      process.stdout.write(`made a ${r.device} project in ${r.dir}: ${r.files.join(', ')}\nnext: cd ${dir} && nixwrt build nixwrt.config.ts (README.md has the next steps)\n`);
    });
}
