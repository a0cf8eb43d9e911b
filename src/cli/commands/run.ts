import type { ChildProcess } from 'node:child_process';
import { InvalidArgumentError, type Command } from 'commander';
import { startEmulator } from '../../image/run.js';
import type { UbootBootMode } from '../../image/uboot-run.js';

export function register(program: Command): void {
  program
    .command('run')
    .description('boot an emulator output in QEMU, serial console on stdio (a U-Boot board boots U-Boot, then the system)')
    .argument('<dir>', 'the emulator/ directory of a build (or the build output holding it)')
    .option('--ssh-port <port>', 'forward 127.0.0.1:PORT to the guest ssh port (22)', (v) => Number.parseInt(v, 10))
    .option('--forward <host:guest...>', 'forward more TCP ports 127.0.0.1:HOST to the guest', collectForward, [])
    .option('--net <netdev>', 'add a NIC (eth1, eth2, ...) on a QEMU -netdev backend, e.g. socket,udp=127.0.0.1:4001,localaddr=127.0.0.1:4000', (v: string, acc: string[]) => [...acc, v], [])
    .option('--boot <mode>', 'U-Boot boards: tftp (phramware by the tftpboot script) or flash (firmware.bin in NOR flash)', parseBoot, 'tftp')
    .option('--uboot-prompt', 'U-Boot boards: stop at the U-Boot prompt (type `boot` to go on)')
    .option('--tftp-dir <dir>', 'U-Boot boards: the directory QEMU serves by TFTP (default: the build output)')
    .option('--flash-image <file>', 'U-Boot boards: write the flash image here and keep it (default: a temporary file)')
    .action(async (dir: string, opts: RunCliOptions) => {
      process.stderr.write('nixwrt run: serial console on this terminal; Ctrl-A x quits QEMU (poweroff or reboot in the guest too)\n');
      const child = await startEmulator(dir, {
        sshPort: opts.sshPort,
        forwards: opts.forward,
        nets: opts.net,
        boot: opts.boot,
        ubootPrompt: opts.ubootPrompt,
        tftpDir: opts.tftpDir,
        flashImage: opts.flashImage,
        stdio: ['inherit', 'pipe', 'inherit'],
      });
      const guest = endOnHalt(child);
      // Stopping nixwrt stops QEMU (QEMU's own quit key is Ctrl-A x).
      for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.on(sig, () => child.kill(sig));
      const code = await new Promise<number>((res, rej) => {
        child.on('error', rej);
        // A guest that powered off or rebooted is a clean end.
        child.on('exit', (c, sig) => res(guest.halted ? 0 : (c ?? (sig ? 128 : 1))));
      });
      process.exitCode = code;
    });
}

/**
 * The console passes through; QEMU Malta has no power-off device the kernels use and their
 * restart fails, so a guest's poweroff or reboot ends in a halted CPU: its last kernel message
 * ends QEMU instead.
 */
function endOnHalt(child: ChildProcess): { halted: boolean } {
  const state = { halted: false };
  let tail = '';
  child.stdout!.on('data', (d: Buffer) => {
    process.stdout.write(d);
    tail = (tail + d.toString('latin1')).slice(-200);
    if (/reboot: (System halted|Power down)|Reboot failed -- System halted|reboot: Restarting system/.test(tail)) {
      tail = '';
      state.halted = true;
      // A restart that works resets the board, and -no-reboot then ends QEMU by itself.
      setTimeout(() => child.kill('SIGTERM'), 2000).unref();
    }
  });
  return state;
}

interface RunCliOptions {
  sshPort?: number;
  forward: Array<{ host: number; guest: number }>;
  net: string[];
  boot: UbootBootMode;
  ubootPrompt?: boolean;
  tftpDir?: string;
  flashImage?: string;
}

function parseBoot(v: string): UbootBootMode {
  if (v !== 'tftp' && v !== 'flash') throw new InvalidArgumentError(`--boot ${v}: expected tftp or flash`);
  return v;
}

function collectForward(v: string, acc: Array<{ host: number; guest: number }>) {
  const m = /^(\d+):(\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError(`--forward ${v}: expected HOST:GUEST ports`);
  return [...acc, { host: Number(m[1]), guest: Number(m[2]) }];
}
