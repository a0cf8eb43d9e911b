import type { Device } from '../src/image/device.js';

/** GL.iNet GL-AR750: Qualcomm Atheros QCA9531 (ath79), big-endian, 128 MiB RAM, 16 MiB SPI NOR. */
export const glAr750: Device = {
  name: 'gl-ar750',
  description: 'GL.iNet GL-AR750 (Qualcomm Atheros QCA9531, big-endian mips)',
  soc: 'qca9531',
  arch: 'mips',
  endian: 'big',
  loadAddress: 0x80060000,
  entryAddress: 0x80060000,
  ramSize: 128 * 1024 * 1024,
  flash: { address: 0x9f060000, partitionSize: 0xfa0000, eraseBlock: 0x10000 },
  phramAddress: 0x04000000,
  console: 'ttyS0,115200',
  baseCmdline: ['rootfstype=squashfs', 'panic=10', 'oops=panic'],
  kernelPackage: 'kernel-ath79',
  dtsPackage: 'linux-dts',
  // Mainline 6.1 has no QCA953x SoC file: devices/dts/qca9531.dtsi is written for this project.
  dts: { source: { from: 'project', file: 'gl-ar750.dts' }, socDir: 'arch/mips/boot/dts/qca' },
  boot: { kind: 'uboot', tftpAddress: 0x81000000 },
};
