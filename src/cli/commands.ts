import type { Command } from 'commander';

type CommandModule = { register: (program: Command) => void };

/**
 * Subcommand modules by command name; each exports `register(program)` for that command.
 * The CLI loads only the module of the command being run (library imports cost start-up
 * time on every build), and all of them for help or an unknown command.
 */
export const commandModules: Record<string, () => Promise<CommandModule>> = {
  init: () => import('./commands/init.js'),
  devices: () => import('./commands/devices.js'),
  lock: () => import('./commands/lock.js'),
  run: () => import('./commands/run.js'),
  eval: () => import('./commands/eval.js'),
  mkimage: () => import('./commands/mkimage.js'),
  mksquashfs: () => import('./commands/mksquashfs.js'),
  unsquashfs: () => import('./commands/unsquashfs.js'),
  fetch: () => import('./commands/fetch.js'),
  build: () => import('./commands/build.js'),
  inspect: () => import('./commands/inspect.js'),
  kernel: () => import('./commands/kernel.js'),
  lzma: () => import('./commands/lzma.js'),
  dtc: () => import('./commands/dtc.js'),
  cache: () => import('./commands/cache.js'),
  bench: () => import('./commands/bench.js'),
};
