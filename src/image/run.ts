/**
 * `nixwrt run DIR`: start QEMU on an emulator output with the serial console on stdio.
 * Returns the child so tests can talk to the console and stop it.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { getDevice } from './devices.js';
import { qemuArgs, readRunManifest, RUN_MANIFEST, type UbootRunManifest } from './emulator.js';
import { flashImage, ubootEmulatorOf } from './uboot-flash.js';
import { ubootQemuArgs, ubootRunEnv, type UbootRunOptions } from './uboot-run.js';

export async function startEmulator(
  dir: string,
  opts: UbootRunOptions & { stdio?: StdioOptions; extraArgs?: string[] } = {},
): Promise<ChildProcess> {
  let abs = resolve(dir);
  // A build's output directory names its emulator/ directory.
  if (!existsSync(join(abs, RUN_MANIFEST)) && existsSync(join(abs, 'emulator', RUN_MANIFEST))) abs = join(abs, 'emulator');
  const m = await readRunManifest(abs);
  if ('kind' in m) return startUboot(abs, m, opts);
  return spawn(m.qemu, [...qemuArgs(abs, m, opts), ...(opts.extraArgs ?? [])], { stdio: opts.stdio ?? 'inherit' });
}

/** Write the board's flash (U-Boot, environment, firmware.bin for --boot flash) and start QEMU on it. */
async function startUboot(
  abs: string,
  m: UbootRunManifest,
  opts: UbootRunOptions & { stdio?: StdioOptions; extraArgs?: string[] },
): Promise<ChildProcess> {
  const device = getDevice(m.device);
  const emu = ubootEmulatorOf(device);
  const outputs = dirname(abs);
  const boot = opts.boot ?? 'tftp';
  const uboot = await readFile(join(abs, m.uboot));
  const firmware = boot === 'flash' ? await readFile(join(outputs, 'firmware.bin')) : undefined;
  const image = flashImage(device, { uboot, firmware, env: ubootRunEnv(device, m, boot, opts.ubootPrompt ?? false) });
  const temp = opts.flashImage ? undefined : await mkdtemp(join(tmpdir(), 'nixwrt-flash-'));
  const flashFile = opts.flashImage ? resolve(opts.flashImage) : join(temp!, 'flash.img');
  await writeFile(flashFile, image);
  const args = [...ubootQemuArgs(device, m, flashFile, resolve(opts.tftpDir ?? outputs), opts), ...(opts.extraArgs ?? [])];
  const child = spawn(emu.qemu, args, { stdio: opts.stdio ?? 'inherit' });
  if (temp) child.on('exit', () => void rm(temp, { recursive: true, force: true }));
  return child;
}
