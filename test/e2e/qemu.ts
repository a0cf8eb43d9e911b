/**
 * Boots an emulator output with `nixwrt run` for an end-to-end test: QEMU with the serial
 * console on a pipe, loopback port forwards, and a stop that QEMU cannot ignore (a guest
 * reboot does not end it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Console } from './console.js';

const cli = join(import.meta.dirname, '..', '..', 'bin', 'nixwrt.js');

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface Booted {
  qemu: ChildProcess;
  con: Console;
  stop(): Promise<void>;
}

/** Start `nixwrt run DIR`, wait for the console prompt, press Enter. */
export async function bootEmulator(dir: string, opts: { sshPort?: number; forwards?: Array<[host: number, guest: number]>; nets?: string[] } = {}): Promise<Booted> {
  const args = [cli, 'run', dir];
  if (opts.sshPort) args.push('--ssh-port', String(opts.sshPort));
  for (const [h, g] of opts.forwards ?? []) args.push('--forward', `${h}:${g}`);
  for (const n of opts.nets ?? []) args.push('--net', n);
  const qemu = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const con = new Console(qemu);
  const stop = async () => {
    if (qemu.exitCode !== null) return;
    qemu.stdin?.write('\x01x'); // QEMU monitor escape: quit
    await new Promise((r) => setTimeout(r, 1000));
    if (qemu.exitCode === null) qemu.kill('SIGKILL');
  };
  try {
    await con.waitFor(/Please press Enter to activate this console/, 120_000);
    con.send('\n');
  } catch (err) {
    await stop();
    throw err;
  }
  return { qemu, con, stop };
}

/** Supervised services counted as running since boot: starts=1 and the same pid 5 s later. */
export async function servicesUp(con: Console, services: string[]): Promise<string> {
  let status = '';
  for (let i = 0; i < 10; i++) {
    status = await con.run('/etc/svc/status');
    if (services.every((n) => new RegExp(`^${n} running \\d+ starts=1$`, 'm').test(status))) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return status;
}

/** Try `fn` up to `times` times, `gapMs` apart (a guest service comes up after DHCP etc.). */
export async function retry<T>(fn: () => Promise<T>, times = 12, gapMs = 5000): Promise<T> {
  let last: unknown;
  for (let i = 0; i < times; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }
  throw last;
}

/**
 * Store paths of the committed fixtures/lock.json by package name. A name the lock lacks throws:
 * the e2e tests fail loudly rather than skip, since the lock is part of the repository.
 */
export function fixturePackages(...names: string[]): Record<string, string> {
  const lockFile = join(import.meta.dirname, '..', '..', 'fixtures', 'lock.json');
  const packages = (JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, string> }).packages;
  const missing = names.filter((n) => !(n in packages));
  if (missing.length > 0) throw new Error(`fixtures/lock.json lacks ${missing.join(', ')}`);
  return packages;
}
