/**
 * Writing the outputs of a build (the I/O edge of src/image): firmware.bin, phramware.bin,
 * the emulator directory, U-Boot scripts, manifest.json. Every file goes through
 * OutputState.write (atomic; an output that already holds the same bytes is left alone, and
 * one whose stat is as the last build left it is not even read back); each writer returns
 * what it wrote for the manifest.
 */
import { hexAddress, type Device } from './device.js';
import { RUN_MANIFEST, type RunManifest, type UbootRunManifest } from './emulator.js';
import { flashImage } from './uboot-flash.js';
import { ImageError } from './errors.js';
import { assembleLayout, checkFits, nixwrtLayout, openwrtLayout, type FirmwareLayout } from './layout.js';
import { blobInfo, manifestJson, type BlobInfo, type Manifest, type OutputFile } from './manifest.js';
import { kseg0, phramFlashCmdline, physical, type PhramRegion } from './phram.js';
import type { OutputState } from './output-state.js';
import { flashScript, scriptImage, tftpbootScript, type TftpSettings } from './uboot-scripts.js';

export type FirmwareStyle = 'nixwrt' | 'openwrt';

function flashOf(device: Device) {
  if (!device.flash) throw new ImageError('no-flash', `${device.name} has no flash: build the emulator output for it instead`);
  return device.flash;
}

/** The firmware layout for a device, checked against its firmware partition. */
export function firmwareLayout(device: Device, kernelSize: number, rootfsSize: number, style: FirmwareStyle): FirmwareLayout {
  const flash = flashOf(device);
  const layout =
    style === 'nixwrt'
      ? nixwrtLayout(kernelSize, rootfsSize)
      : openwrtLayout(kernelSize, rootfsSize, { eraseBlock: flash.eraseBlock, padJffs2: [flash.eraseBlock] });
  checkFits(layout, flash.partitionSize, device.name);
  return layout;
}

/** Write one output from bytes in memory; its manifest entry. */
async function put(out: OutputState, rel: string, bytes: Uint8Array): Promise<OutputFile> {
  const info = blobInfo(bytes);
  await out.write(rel, info, bytes);
  return { file: rel, ...info };
}

async function writeImage(out: OutputState, name: string, layout: FirmwareLayout, kernel: Uint8Array, rootfs: Uint8Array): Promise<OutputFile> {
  const chunks = [...assembleLayout(layout, { kernel, rootfs })];
  return {
    ...(await put(out, name, Buffer.concat(chunks))),
    parts: layout.regions
      .filter((r) => r.kind !== 'fill')
      .map((r) => ({ name: r.kind, offset: r.offset, size: r.size })),
  };
}

/** A U-Boot script as typed (NAME.txt) and as `source` runs it (NAME.scr, a mkimage script image). */
async function putScript(out: OutputState, name: string, text: string, time: number): Promise<OutputFile[]> {
  return [await put(out, `${name}.txt`, Buffer.from(text)), await put(out, `${name}.scr`, scriptImage(text, `nixwrt ${name}`, time))];
}

/**
 * The command line the firmware boots with: the one in its DTB, or for a kernel that takes
 * U-Boot's bootargs, the rootfs read in place from the flash partition through phram.
 */
export function firmwareCmdline(device: Device, cmdline: string[], layout: FirmwareLayout): string {
  if (device.boot.kind !== 'uboot' || device.boot.cmdline !== 'bootargs') return cmdline.join(' ');
  const rootfs = layout.regions.find((r) => r.kind === 'rootfs')!;
  const base = cmdline.filter((w) => !w.startsWith('root='));
  return [...base, ...phramFlashCmdline(physical(flashOf(device).address) + rootfs.offset, rootfs.size)].join(' ');
}

export async function writeFirmware(
  out: OutputState,
  device: Device,
  kernel: Uint8Array,
  rootfs: Uint8Array,
  style: FirmwareStyle,
  net: TftpSettings,
  boot: { cmdline: string[]; time: number },
): Promise<{ files: OutputFile[]; cmdline: string }> {
  const layout = firmwareLayout(device, kernel.length, rootfs.length, style);
  const cmdline = firmwareCmdline(device, boot.cmdline, layout);
  const fw = await writeImage(out, 'firmware.bin', layout, kernel, rootfs);
  return { files: [fw, ...(await putScript(out, 'flash', flashScript(device, net, cmdline), boot.time))], cmdline };
}

/**
 * phramware.bin: the NixWRT layout, loaded by U-Boot so that the squashfs lands exactly on
 * the phram region the kernel command line names; tftpboot.txt says where.
 */
export async function writePhramware(
  out: OutputState,
  device: Device,
  kernel: Uint8Array,
  rootfs: Uint8Array,
  region: PhramRegion,
  net: TftpSettings,
  boot: { cmdline: string; time: number },
): Promise<OutputFile[]> {
  const layout = nixwrtLayout(kernel.length, rootfs.length);
  const loadAddress = kseg0(region.address) - layout.rootfsOffset;
  if (loadAddress < kseg0(0) + 0x1000000) {
    throw new ImageError(
      'phram-overflow',
      `phramware for ${device.name}: kernel of ${kernel.length} bytes does not fit below the phram address ${hexAddress(region.address)}`,
    );
  }
  const pw = await writeImage(out, 'phramware.bin', layout, kernel, rootfs);
  return [pw, ...(await putScript(out, 'tftpboot', tftpbootScript(device, loadAddress, net, boot.cmdline), boot.time))];
}

/**
 * emulator/: the kernel ELF, the squashfs and run.json for `nixwrt run`. The vmlinux comes with
 * its size and SHA-256 (cached by NAR hash) and is read only when the output must be checked.
 */
export async function writeEmulator(
  out: OutputState,
  device: Device,
  vmlinux: { info: BlobInfo; bytes: Uint8Array | (() => Promise<Uint8Array>) },
  rootfs: Uint8Array,
  cmdline: string,
): Promise<OutputFile[]> {
  if (device.boot.kind !== 'qemu') {
    throw new ImageError('no-flash', `${device.name} is not an emulated device: the emulator output is for qemu-malta`);
  }
  const run: RunManifest = {
    version: 1,
    device: device.name,
    qemu: device.boot.qemu,
    machine: device.boot.machine,
    memoryMiB: device.boot.memoryMiB,
    kernel: 'vmlinux',
    rootfs: 'rootfs.squashfs',
    append: cmdline,
    nic: 'virtio-net-pci',
  };
  // Together: the rootfs's fsync overlaps checking the (usually unchanged) vmlinux.
  const [, files] = await Promise.all([
    out.write('emulator/vmlinux', vmlinux.info, vmlinux.bytes),
    Promise.all([put(out, 'emulator/rootfs.squashfs', rootfs), put(out, `emulator/${RUN_MANIFEST}`, Buffer.from(`${JSON.stringify(run, null, 2)}\n`))]),
  ]);
  return [{ file: 'emulator/vmlinux', ...vmlinux.info }, ...files];
}

/**
 * emulator/ of a board with U-Boot in flash: u-boot.bin and run.json; `nixwrt run` makes the
 * flash from them and the outputs beside emulator/ (firmware.bin, the scripts, phramware.bin).
 */
export async function writeUbootEmulator(
  out: OutputState,
  device: Device,
  uboot: Uint8Array,
  tftp: { ipaddr: string; serverip: string },
  cmdlines: Record<string, string>,
): Promise<OutputFile[]> {
  // The flash checks (U-Boot clear of the firmware partition) fail here, at build time.
  flashImage(device, { uboot, env: [] });
  const run: UbootRunManifest = { version: 1, kind: 'uboot', device: device.name, uboot: 'u-boot.bin', tftp, cmdlines: { ...cmdlines } };
  return [
    await put(out, 'emulator/u-boot.bin', uboot),
    await put(out, `emulator/${RUN_MANIFEST}`, Buffer.from(`${JSON.stringify(run, null, 2)}\n`)),
  ];
}

export async function writeManifest(out: OutputState, m: Manifest): Promise<void> {
  await put(out, 'manifest.json', Buffer.from(manifestJson(m)));
}
