/**
 * Writing the outputs of a build (the I/O edge of src/image): firmware.bin, phramware.bin,
 * the emulator directory, U-Boot scripts, manifest.json. Every file goes through
 * writeFileIfChanged (atomic, and an output that already holds the same bytes is left alone);
 * each writer returns what it wrote for the manifest.
 */
import { join } from 'node:path';
import { writeFileIfChanged } from '../util/atomic-write.js';
import { hexAddress, type Device } from './device.js';
import { RUN_MANIFEST, type RunManifest } from './emulator.js';
import { ImageError } from './errors.js';
import { assembleLayout, checkFits, nixwrtLayout, openwrtLayout, type FirmwareLayout } from './layout.js';
import { blobInfo, manifestJson, type BlobInfo, type Manifest, type OutputFile } from './manifest.js';
import { kseg0, type PhramRegion } from './phram.js';
import { flashScript, tftpbootScript, type TftpSettings } from './uboot-scripts.js';

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

async function writeImage(path: string, name: string, layout: FirmwareLayout, kernel: Uint8Array, rootfs: Uint8Array): Promise<OutputFile> {
  const chunks = [...assembleLayout(layout, { kernel, rootfs })];
  const bytes = Buffer.concat(chunks);
  await writeFileIfChanged(path, bytes);
  return {
    file: name,
    ...blobInfo(bytes),
    parts: layout.regions
      .filter((r) => r.kind !== 'fill')
      .map((r) => ({ name: r.kind, offset: r.offset, size: r.size })),
  };
}

export async function writeFirmware(
  outDir: string,
  device: Device,
  kernel: Uint8Array,
  rootfs: Uint8Array,
  style: FirmwareStyle,
  net: TftpSettings,
): Promise<OutputFile[]> {
  const layout = firmwareLayout(device, kernel.length, rootfs.length, style);
  const fw = await writeImage(join(outDir, 'firmware.bin'), 'firmware.bin', layout, kernel, rootfs);
  const script = flashScript(device, fw.size, net);
  await writeFileIfChanged(join(outDir, 'flash.txt'), Buffer.from(script));
  return [fw, { file: 'flash.txt', ...blobInfo(Buffer.from(script)) }];
}

/**
 * phramware.bin: the NixWRT layout, loaded by U-Boot so that the squashfs lands exactly on
 * the phram region the kernel command line names; tftpboot.txt says where.
 */
export async function writePhramware(
  outDir: string,
  device: Device,
  kernel: Uint8Array,
  rootfs: Uint8Array,
  region: PhramRegion,
  net: TftpSettings,
): Promise<OutputFile[]> {
  const layout = nixwrtLayout(kernel.length, rootfs.length);
  const loadAddress = kseg0(region.address) - layout.rootfsOffset;
  if (loadAddress < kseg0(0) + 0x1000000) {
    throw new ImageError(
      'phram-overflow',
      `phramware for ${device.name}: kernel of ${kernel.length} bytes does not fit below the phram address ${hexAddress(region.address)}`,
    );
  }
  const pw = await writeImage(join(outDir, 'phramware.bin'), 'phramware.bin', layout, kernel, rootfs);
  const script = tftpbootScript(device, loadAddress, net);
  await writeFileIfChanged(join(outDir, 'tftpboot.txt'), Buffer.from(script));
  return [pw, { file: 'tftpboot.txt', ...blobInfo(Buffer.from(script)) }];
}

/** emulator/: the kernel ELF, the squashfs and run.json for `nixwrt run`. */
export async function writeEmulator(
  outDir: string,
  device: Device,
  vmlinux: Uint8Array,
  rootfs: Uint8Array,
  cmdline: string,
  /** The kernel's size and SHA-256 when the caller already knows them (cached by NAR hash). */
  vmlinuxInfo: BlobInfo = blobInfo(vmlinux),
): Promise<OutputFile[]> {
  if (device.boot.kind !== 'qemu') {
    throw new ImageError('no-flash', `${device.name} is not an emulated device: the emulator output is for qemu-malta`);
  }
  const dir = join(outDir, 'emulator');
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
  const runJson = Buffer.from(`${JSON.stringify(run, null, 2)}\n`);
  // Together: the rootfs's fsync overlaps reading back the (usually unchanged) vmlinux.
  await Promise.all([
    writeFileIfChanged(join(dir, 'vmlinux'), vmlinux),
    writeFileIfChanged(join(dir, 'rootfs.squashfs'), rootfs),
    writeFileIfChanged(join(dir, RUN_MANIFEST), runJson),
  ]);
  return [
    { file: 'emulator/vmlinux', ...vmlinuxInfo },
    { file: 'emulator/rootfs.squashfs', ...blobInfo(rootfs) },
    { file: `emulator/${RUN_MANIFEST}`, ...blobInfo(runJson) },
  ];
}

export async function writeManifest(outDir: string, m: Manifest): Promise<void> {
  await writeFileIfChanged(join(outDir, 'manifest.json'), Buffer.from(manifestJson(m)));
}
