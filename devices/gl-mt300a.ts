import type { Device } from '../src/image/device.js';

/** GL.iNet GL-MT300A: MediaTek MT7620A, 128 MiB RAM, 16 MiB SPI NOR. */
export const glMt300a: Device = {
  name: 'gl-mt300a',
  description: 'GL.iNet GL-MT300A (MediaTek MT7620A, mipsel)',
  soc: 'mt7620a',
  arch: 'mipsel',
  endian: 'little',
  loadAddress: 0x80000000,
  // Ralink kernels are BOOT_RAW: execution may begin at the load address.
  entryAddress: 0x80000000,
  ramSize: 128 * 1024 * 1024,
  flash: { address: 0xbc050000, partitionSize: 0xf80000, eraseBlock: 0x10000 },
  phramAddress: 0x04000000,
  console: 'ttyS0,115200',
  baseCmdline: ['rootfstype=squashfs', 'panic=10', 'oops=panic'],
  // Mainline's SOC_MT7620 kernel covers both MT7620 and MT7628 (detected at run time).
  kernelPackage: 'kernel-mt7628',
  dtsPackage: 'linux-dts',
  dts: { source: { from: 'project', file: 'gl-mt300a.dts' }, socDir: 'arch/mips/boot/dts/ralink' },
  boot: { kind: 'uboot', tftpAddress: 0x81000000 },
};
