/**
 * The emulator output: a directory with the kernel ELF, the squashfs and run.json, which
 * tells `nixwrt run` how to start QEMU. `qemuArgs` is pure so tests can check the command.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ImageError } from './errors.js';

export const RUN_MANIFEST = 'run.json';

export interface RunManifest {
  version: 1;
  device: string;
  qemu: string;
  machine: string;
  memoryMiB: number;
  /** File names relative to the emulator directory. */
  kernel: string;
  rootfs: string;
  append: string;
  /** Guest NIC model for user-mode networking. */
  nic: string;
}

/**
 * run.json of a board with U-Boot in flash (qemu-malta-uboot): `nixwrt run` makes the flash
 * image from the device profile, u-boot.bin and the build's outputs in the parent directory.
 */
export interface UbootRunManifest {
  version: 1;
  kind: 'uboot';
  device: string;
  /** File name relative to the emulator directory. */
  uboot: string;
  /** The U-Boot network settings the scripts were made for (QEMU's user network matches them). */
  tftp: { ipaddr: string; serverip: string };
  /** The kernel command line of each output (firmware: from flash; phramware: by tftp). */
  cmdlines: Record<string, string>;
}

export interface RunOptions {
  /** Forward 127.0.0.1:hostPort to the guest's port 22. */
  sshPort?: number;
  /** Extra host→guest forwards (host port → guest port). */
  forwards?: Array<{ host: number; guest: number }>;
  /**
   * More NICs after the user-mode one (eth1, eth2, ... in the guest), each a QEMU -netdev
   * backend without id, e.g. `socket,udp=127.0.0.1:4001,localaddr=127.0.0.1:4000` or
   * `tap,ifname=tap0,script=no,downscript=no`.
   */
  nets?: string[];
}

export function qemuArgs(dir: string, m: RunManifest, opts: RunOptions = {}): string[] {
  const fwds = [...(opts.sshPort ? [{ host: opts.sshPort, guest: 22 }] : []), ...(opts.forwards ?? [])];
  const netdev = ['user', 'id=n0', ...fwds.map((f) => `hostfwd=tcp:127.0.0.1:${f.host}-:${f.guest}`)].join(',');
  const extra = (opts.nets ?? []).flatMap((spec, i) => {
    if (!/^[a-z]+(,[^,=]+=[^,]*)*$/.test(spec) || /(^|,)id=/.test(spec)) {
      throw new ImageError('bad-net-spec', `extra NIC ${JSON.stringify(spec)}: expected a QEMU -netdev backend with options and no id, e.g. 'socket,udp=127.0.0.1:4001,localaddr=127.0.0.1:4000'`);
    }
    return ['-netdev', `${spec},id=n${i + 1}`, '-device', `${m.nic},netdev=n${i + 1},romfile=`];
  });
  return [
    '-M', m.machine,
    '-m', String(m.memoryMiB),
    '-nographic',
    // No VGA (its option ROM is not always installed); the console is the serial port.
    '-vga', 'none',
    '-no-reboot',
    '-kernel', join(dir, m.kernel),
    // The image is read-only squashfs; snapshot=on because IDE refuses readonly=on.
    '-drive', `file=${join(dir, m.rootfs)},if=ide,format=raw,snapshot=on`,
    '-append', m.append,
    '-netdev', netdev,
    // romfile= : no PXE option ROM (not needed, and not always installed).
    '-device', `${m.nic},netdev=n0,romfile=`,
    ...extra,
  ];
}

export async function readRunManifest(dir: string): Promise<RunManifest | UbootRunManifest> {
  const path = join(resolve(dir), RUN_MANIFEST);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ImageError('bad-emulator-dir', `${path} not found: pass the emulator/ directory of a build (nixwrt build --output emulator)`);
  }
  const m = JSON.parse(text) as RunManifest | UbootRunManifest;
  if (m.version === 1 && 'kind' in m && m.kind === 'uboot' && m.uboot) return m;
  if (m.version !== 1 || !('kernel' in m) || !m.kernel || !m.rootfs) throw new ImageError('bad-emulator-dir', `${path}: not a nixwrt run manifest`);
  return m;
}
