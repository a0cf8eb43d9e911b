import type { Command } from 'commander';

/** Each subcommand module exports `register(program)`; add new ones to this list. */
export const commandModules: Array<() => Promise<{ register: (program: Command) => void }>> = [
  () => import('./commands/run.js'),
  () => import('./commands/eval.js'),
  () => import('./commands/mkimage.js'),
  () => import('./commands/mksquashfs.js'),
  () => import('./commands/unsquashfs.js'),
  () => import('./commands/fetch.js'),
  () => import('./commands/build.js'),
  () => import('./commands/inspect.js'),
  () => import('./commands/kernel.js'),
  () => import('./commands/lzma.js'),
  () => import('./commands/dtc.js'),
];
