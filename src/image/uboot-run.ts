/**
 * `nixwrt run` for a board with U-Boot in flash: the environment a mode needs, the flash image
 * and QEMU's arguments. `ubootRunEnv` and `ubootQemuArgs` are pure so tests can check them.
 */
import { hexAddress, type Device } from './device.js';
import type { RunOptions, UbootRunManifest } from './emulator.js';
import { ImageError } from './errors.js';
import { ubootEmulatorOf } from './uboot-flash.js';

/** tftp: phramware by the tftpboot script over QEMU's TFTP; flash: firmware.bin from NOR flash. */
export type UbootBootMode = 'tftp' | 'flash';

export interface UbootRunOptions extends RunOptions {
  boot?: UbootBootMode;
  /** Stop at the U-Boot prompt (no autoboot); `boot` then runs what the mode would have. */
  ubootPrompt?: boolean;
  /** Directory QEMU's TFTP serves (default: the build's output directory). */
  tftpDir?: string;
  /** Where to write the flash image (kept); default a temporary file removed when QEMU exits. */
  flashImage?: string;
}

/** U-Boot variables for a run: network, the mode's bootcmd (and bootargs), autoboot or not. */
export function ubootRunEnv(device: Device, m: UbootRunManifest, boot: UbootBootMode, prompt: boolean): Array<[string, string]> {
  const emu = ubootEmulatorOf(device);
  const env: Array<[string, string]> = [
    // 0: boot at once (a key pressed in time still stops it); -1: no autoboot.
    ['bootdelay', prompt ? '-1' : '0'],
    ['ipaddr', m.tftp.ipaddr],
    ['serverip', m.tftp.serverip],
  ];
  if (boot === 'flash') {
    const cmdline = m.cmdlines.firmware;
    if (cmdline === undefined) throw new ImageError('bad-emulator-dir', 'this build has no firmware.bin to boot from flash (build the firmware output)');
    env.push(['bootargs', cmdline], ['bootcmd', `bootm ${hexAddress(device.flash!.address)}`]);
  } else {
    if (m.cmdlines.phramware === undefined) throw new ImageError('bad-emulator-dir', 'this build has no phramware.bin to boot by tftp (build the phramware output)');
    const at = hexAddress(emu.scriptAddress);
    env.push(['bootcmd', `tftpboot ${at} tftpboot.scr && source ${at}`]);
  }
  return env;
}

/** QEMU's arguments: the flash image as the board's parallel flash, U-Boot's NIC on a user network serving tftpDir. */
export function ubootQemuArgs(device: Device, m: UbootRunManifest, flashFile: string, tftpDir: string, opts: RunOptions = {}): string[] {
  const emu = ubootEmulatorOf(device);
  const net = m.tftp.serverip.replace(/\.\d+$/, '.0');
  if (!/^\d+\.\d+\.\d+\.0$/.test(net) || m.tftp.ipaddr.replace(/\.\d+$/, '.0') !== net) {
    throw new ImageError('bad-emulator-dir', `U-Boot's ipaddr ${m.tftp.ipaddr} and serverip ${m.tftp.serverip} must share a /24 for QEMU's user network`);
  }
  if (/[,=]/.test(tftpDir)) throw new ImageError('bad-emulator-dir', `QEMU cannot serve a TFTP directory whose path has , or =: ${tftpDir}`);
  const fwds = [...(opts.sshPort ? [{ host: opts.sshPort, guest: 22 }] : []), ...(opts.forwards ?? [])];
  const args = [
    '-M', emu.machine,
    '-m', String(emu.memoryMiB),
    '-nographic',
    '-vga', 'none',
    '-drive', `if=pflash,file=${flashFile},format=raw`,
  ];
  if (fwds.length > 0) {
    // Linux reaches the host through a virtio NIC (first, so it is eth0); U-Boot has no driver for it.
    const hostfwd = fwds.map((f) => `hostfwd=tcp:127.0.0.1:${f.host}-:${f.guest}`).join(',');
    args.push('-netdev', `user,id=n1,${hostfwd}`, '-device', 'virtio-net-pci,netdev=n1,romfile=');
  }
  args.push(
    '-netdev', `user,id=n0,net=${net}/24,host=${m.tftp.serverip},tftp=${tftpDir}`,
    // romfile= : no PXE option ROM (not needed, and not always installed).
    '-device', `${emu.nic},netdev=n0,romfile=`,
  );
  return args;
}
