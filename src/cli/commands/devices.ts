import type { Command } from 'commander';
import { listDevices } from '../../image/devices.js';

export function register(program: Command): void {
  program
    .command('devices')
    .description('list the built-in devices (a config may also describe one of its own)')
    .option('--json', 'print them as JSON')
    .action((o: { json?: boolean }) => {
      const list = listDevices();
      if (o.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      for (const d of list) {
        const outputs = d.boot.kind === 'qemu' ? 'emulator' : 'firmware, phramware';
        process.stdout.write(`${d.name.padEnd(16)} ${d.description} [${outputs}]\n`);
      }
    });
}
