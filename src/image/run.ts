/**
 * `nixwrt run DIR`: start QEMU on an emulator output with the serial console on stdio.
 * Returns the child so tests can talk to the console and stop it.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { resolve } from 'node:path';
import { qemuArgs, readRunManifest, type RunOptions } from './emulator.js';

export async function startEmulator(
  dir: string,
  opts: RunOptions & { stdio?: StdioOptions; extraArgs?: string[] } = {},
): Promise<ChildProcess> {
  const abs = resolve(dir);
  const m = await readRunManifest(abs);
  return spawn(m.qemu, [...qemuArgs(abs, m, opts), ...(opts.extraArgs ?? [])], { stdio: opts.stdio ?? 'inherit' });
}
