import type { Device } from '../src/image/device.js';

/** QEMU's MIPS Malta board, little-endian: boots the vmlinux ELF with `-kernel`, rootfs on IDE. */
export const qemuMalta: Device = {
  name: 'qemu-malta',
  description: 'QEMU MIPS Malta (mipsel), rootfs on an IDE disk',
  soc: 'malta',
  arch: 'mipsel',
  endian: 'little',
  // Malta kernels are linked at 0x80100000 (arch/mips/mti-malta/Platform); QEMU loads the ELF.
  loadAddress: 0x80100000,
  entryAddress: 'elf',
  ramSize: 128 * 1024 * 1024,
  console: 'ttyS0',
  baseCmdline: ['root=/dev/sda', 'rootfstype=squashfs', 'panic=10', 'oops=panic'],
  kernelPackage: 'kernel-malta',
  dtsPackage: 'linux-dts',
  // Mainline has the board file; the Malta kernel also carries it built in.
  dts: { source: { from: 'kernel', file: 'arch/mips/boot/dts/mti/malta.dts' }, socDir: 'arch/mips/boot/dts/mti' },
  boot: { kind: 'qemu', qemu: 'qemu-system-mipsel', machine: 'malta', memoryMiB: 128, rootDevice: '/dev/sda' },
};
