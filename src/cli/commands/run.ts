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
    .option('--boot <mode>', 'U-Boot boards: tftp (phramware by the tftpboot script) or flash (firmware.bin in NOR flash)', parseBoot, 'tftp')
    .option('--uboot-prompt', 'U-Boot boards: stop at the U-Boot prompt (type `boot` to go on)')
    .option('--tftp-dir <dir>', 'U-Boot boards: the directory QEMU serves by TFTP (default: the build output)')
    .option('--flash-image <file>', 'U-Boot boards: write the flash image here and keep it (default: a temporary file)')
    .action(async (dir: string, opts: RunCliOptions) => {
      const child = await startEmulator(dir, {
        sshPort: opts.sshPort,
        forwards: opts.forward,
        boot: opts.boot,
        ubootPrompt: opts.ubootPrompt,
        tftpDir: opts.tftpDir,
        flashImage: opts.flashImage,
      });
      // Stopping nixwrt stops QEMU (QEMU's own quit key is Ctrl-A x).
      for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.on(sig, () => child.kill(sig));
      const code = await new Promise<number>((res, rej) => {
        child.on('error', rej);
        child.on('exit', (c, sig) => res(c ?? (sig ? 128 : 1)));
      });
      process.exitCode = code;
    });
}

interface RunCliOptions {
  sshPort?: number;
  forward: Array<{ host: number; guest: number }>;
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
