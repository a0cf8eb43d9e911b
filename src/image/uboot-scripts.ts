/**
 * U-Boot command scripts with the device's addresses: what the NixWRT README makes people
 * type at the serial console. Pure: device facts and image sizes in, text out.
 */
import { hexAddress, type Device } from './device.js';
import { ImageError } from './errors.js';
import { writeUImage } from '../kernel/uimage/writer.js';
import { TYPE_SCRIPT } from '../kernel/uimage/types.js';

export interface TftpSettings {
  /** The router's address while in U-Boot. */
  ipaddr: string;
  /** The tftp server's address. */
  serverip: string;
}

export const defaultTftp: TftpSettings = { ipaddr: '192.168.1.1', serverip: '192.168.1.2' };

/** The kernel reads its command line from U-Boot's bootargs, not from its DTB. */
function takesBootargs(device: Device): boolean {
  return device.boot.kind === 'uboot' && device.boot.cmdline === 'bootargs';
}

/** Single quotes keep hush from expanding `$` (memmap=3M$0x6000000); they cannot hold a quote. */
function quoted(cmdline: string): string {
  if (cmdline.includes("'")) throw new ImageError('bad-cmdline', `a kernel command line for U-Boot cannot hold a single quote: ${cmdline}`);
  return `'${cmdline}'`;
}

function header(device: Device, net: TftpSettings, what: string): string[] {
  return [
    `# ${what} for ${device.name}; type at the U-Boot prompt (or source as a script)`,
    `setenv ipaddr ${net.ipaddr}`,
    `setenv serverip ${net.serverip}`,
  ];
}

/**
 * Write firmware.bin to the flash firmware partition. U-Boot runs a script to its end whatever
 * fails, so every step is chained: nothing is erased unless the download succeeded, `iminfo`
 * found a legacy uImage at its start whose header and data CRCs hold (a wrong, truncated or
 * corrupt kernel; the rootfs after it has no checksum here) and its size (`${filesize}`, hex
 * without 0x) fits the partition; erase rounds `+len` up to whole sectors, and the copy is of
 * the bytes downloaded (a newer firmware.bin of another size too). Needs U-Boot's hush shell
 * (`&&`, `if`), `iminfo` and `itest`.
 */
export function flashScript(device: Device, net: TftpSettings, cmdline: string, file = 'firmware.bin'): string {
  const flash = device.flash;
  const tftp = device.boot.kind === 'uboot' ? device.boot.tftpAddress : undefined;
  if (!flash || tftp === undefined) throw new Error(`${device.name} has no flash to write`);
  const part = hexAddress(flash.partitionSize);
  const write = [
    `erase ${hexAddress(flash.address)} +0x\${filesize}`,
    `cp.b ${hexAddress(tftp)} ${hexAddress(flash.address)} 0x\${filesize}`,
    // A kernel that takes its command line from U-Boot gets it, and the boot from flash, saved.
    ...(takesBootargs(device)
      ? [`setenv bootargs ${quoted(cmdline)}`, `setenv bootcmd 'bootm ${hexAddress(flash.address)}'`, 'saveenv']
      : []),
    'reset',
  ].join(' && ');
  const sizeChecked = `if itest 0x\${filesize} -le ${part}; then ${write}; else echo "${file} is larger than the ${part}-byte firmware partition: flash left unchanged"; fi`;
  return [
    ...header(device, net, `Flash ${file}`),
    `if tftpboot ${hexAddress(tftp)} ${file} && iminfo ${hexAddress(tftp)}; then ${sizeChecked}; ` +
      `else echo "${file} did not download or is not a valid uImage: flash left unchanged"; fi`,
    '',
  ].join('\n');
}

/**
 * Boot phramware.bin from RAM without touching flash: load it so that its rootfs lands
 * exactly at the phram address, then bootm the uImage at its start.
 */
export function tftpbootScript(device: Device, loadAddress: number, net: TftpSettings, cmdline: string, file = 'phramware.bin'): string {
  return [
    ...header(device, net, 'Boot phramware.bin from RAM'),
    `tftpboot ${hexAddress(loadAddress)} ${file}`,
    ...(takesBootargs(device) ? [`setenv bootargs ${quoted(cmdline)}`] : []),
    `bootm ${hexAddress(loadAddress)}`,
    '',
  ].join('\n');
}

/**
 * A script as U-Boot's `source` runs it: a legacy image of type script, as
 * `mkimage -A mips -O linux -T script -C none -n NAME -d FILE` writes it.
 */
export function scriptImage(text: string, name: string, time: number): Uint8Array {
  return writeUImage([Buffer.from(text)], { time, load: 0, name, type: TYPE_SCRIPT });
}
