import type { Device } from '../src/image/device.js';

/** GL.iNet GL-MT300N-v2: MediaTek MT7628NN, 128 MiB RAM, 16 MiB SPI NOR. */
export const glMt300nV2: Device = {
  name: 'gl-mt300n-v2',
  description: 'GL.iNet GL-MT300N-v2 (MediaTek MT7628, mipsel)',
  soc: 'mt7628a',
  arch: 'mipsel',
  endian: 'little',
  loadAddress: 0x80000000,
  entryAddress: 0x80000000,
  ramSize: 128 * 1024 * 1024,
  flash: { address: 0xbc050000, partitionSize: 0xfb0000, eraseBlock: 0x10000 },
  phramAddress: 0x04000000,
  console: 'ttyS0,115200',
  baseCmdline: ['rootfstype=squashfs', 'panic=10', 'oops=panic'],
  kernelPackage: 'kernel-mt7628',
  dtsPackage: 'linux-dts',
  dts: { source: { from: 'project', file: 'gl-mt300n-v2.dts' }, socDir: 'arch/mips/boot/dts/ralink' },
  boot: { kind: 'uboot', tftpAddress: 0x81000000 },
};
