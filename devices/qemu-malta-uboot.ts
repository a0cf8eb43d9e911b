import type { Device } from '../src/image/device.js';

/**
 * QEMU's MIPS Malta (mipsel) as a router: U-Boot at the start of its 4 MiB NOR flash
 * (0xbe000000), the environment at 0x3e0000, the firmware partition between, LZMA uImages
 * booted by `tftpboot`/`bootm` or from flash. The flash layout is QEMU's Malta board's.
 */
export const qemuMaltaUboot: Device = {
  name: 'qemu-malta-uboot',
  description: 'QEMU MIPS Malta (mipsel) with U-Boot in NOR flash, booting like a router',
  soc: 'malta',
  arch: 'mipsel',
  endian: 'little',
  // Malta kernels are linked at 0x80100000; bootm jumps to the ELF's entry point.
  loadAddress: 0x80100000,
  entryAddress: 'elf',
  ramSize: 256 * 1024 * 1024,
  // U-Boot 2023.01's maltael build ends before 0x60000; its environment starts at 0x3e0000.
  flash: { address: 0xbe060000, partitionSize: 0x380000, eraseBlock: 0x10000 },
  phramAddress: 0x06000000,
  console: 'ttyS0',
  // U-Boot passes the memory size in MiB where the kernel reads bytes: say it on the command line.
  baseCmdline: ['rootfstype=squashfs', 'panic=10', 'oops=panic', 'mem=256M'],
  kernelPackage: 'kernel-malta',
  dtsPackage: 'linux-dts',
  dts: { source: { from: 'kernel', file: 'arch/mips/boot/dts/mti/malta.dts' }, socDir: 'arch/mips/boot/dts/mti' },
  boot: {
    kind: 'uboot',
    tftpAddress: 0x81000000,
    cmdline: 'bootargs',
    emulator: {
      qemu: 'qemu-system-mipsel',
      machine: 'malta',
      memoryMiB: 256,
      nic: 'pcnet',
      ubootPackage: 'u-boot-malta',
      flashBase: 0xbe000000,
      flashSize: 0x400000,
      swapBytes: 0x3e0000,
      envOffset: 0x3e0000,
      envSize: 0x20000,
      scriptAddress: 0x82000000,
    },
  },
};
