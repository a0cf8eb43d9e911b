/**
 * Device profiles: the hardware facts a build needs (addresses, flash geometry, console,
 * kernel package, board DTS). The data lives in devices/*.ts; this file holds the types.
 */

/** Where the flash firmware partition sits and how it is erased. */
export interface FlashGeometry {
  /** CPU address of the firmware partition as U-Boot sees it (for `erase` / `cp.b`). */
  address: number;
  /** Size of the firmware partition in bytes; the image must fit in it. */
  partitionSize: number;
  /** Erase block size in bytes (rootfs must start on one of these boundaries). */
  eraseBlock: number;
}

/** Where the board device tree source comes from. */
export type DtsSource =
  /** A board file written for this project, in devices/dts/. */
  | { from: 'project'; file: string }
  /** A board file inside the kernel DTS tree (the `linux-dts` package), e.g. arch/mips/boot/dts/mti/malta.dts. */
  | { from: 'kernel'; file: string }
  /** A board file of the user's: an absolute path (a config's device gives it relative to the config). */
  | { from: 'file'; file: string };

export interface DeviceDts {
  source: DtsSource;
  /** Directory inside the kernel DTS tree holding the SoC .dtsi the board includes. */
  socDir: string;
}

/** How the device is started: U-Boot `bootm` of a uImage, or QEMU's `-kernel` with the ELF. */
export type BootMethod =
  | {
      kind: 'uboot';
      /** RAM address U-Boot loads a tftp download to. */
      tftpAddress: number;
      /**
       * Where the kernel takes its command line from: the DTB appended to it (routers), or
       * U-Boot's `bootargs` (Malta ignores an appended DTB): then the scripts set bootargs, and
       * firmware.bin finds its rootfs in the flash through phram (the kernel has no flash driver).
       */
      cmdline?: 'dtb' | 'bootargs';
      /** An emulated board whose whole flash `nixwrt run` builds: U-Boot, environment, firmware. */
      emulator?: UbootEmulator;
    }
  | {
      kind: 'qemu';
      qemu: string;
      machine: string;
      memoryMiB: number;
      /** The block device the rootfs appears as when attached as an IDE disk. */
      rootDevice: string;
    };

/** QEMU board with U-Boot in its NOR flash (the flash image is made by `nixwrt run`). */
export interface UbootEmulator {
  qemu: string;
  machine: string;
  memoryMiB: number;
  /** QEMU NIC model U-Boot has a driver for. */
  nic: string;
  /** Lock-file name of the U-Boot package (its store path holds `u-boot.bin`). */
  ubootPackage: string;
  /** CPU address of the flash's first byte (U-Boot sits at offset 0). */
  flashBase: number;
  flashSize: number;
  /**
   * QEMU's little-endian Malta swaps the bytes of each 32-bit word in the first `swapBytes`
   * of its flash: the image must hold them swapped there.
   */
  swapBytes: number;
  /** U-Boot's environment (CONFIG_ENV_ADDR - flashBase, CONFIG_ENV_SIZE). */
  envOffset: number;
  envSize: number;
  /** RAM address scripts are loaded to before `source` (clear of kernel and downloads). */
  scriptAddress: number;
}

export interface Device {
  name: string;
  description: string;
  soc: string;
  /** Debian/QEMU style architecture name: mipsel (little-endian) or mips (big-endian). */
  arch: 'mipsel' | 'mips';
  endian: 'little' | 'big';
  /** Kernel load address (uImage `load`). */
  loadAddress: number;
  /** Kernel entry (uImage `ep`); 'elf' takes the vmlinux ELF entry point. */
  entryAddress: number | 'elf';
  /** RAM size in bytes (for phram placement and sanity checks). */
  ramSize: number;
  /** Absent for devices without flash (QEMU). */
  flash?: FlashGeometry;
  /** Physical address where phramware expects its rootfs in RAM (absent: no phram). */
  phramAddress?: number;
  /** Console device with speed, as the kernel's console= takes it. */
  console: string;
  /** Kernel command line pieces every image for this device needs (console is added from `console`). */
  baseCmdline: string[];
  /** Lock-file name of the kernel package (its store path holds `vmlinux`). */
  kernelPackage: string;
  /** Lock-file name of the kernel DTS tree package. */
  dtsPackage: string;
  dts: DeviceDts;
  boot: BootMethod;
}

/**
 * A device a config describes itself (`device: {...}` instead of a built-in name): every fact of
 * Device, or those that differ from a built-in device named by `base`. `dts.file` is relative to
 * the config; its directory is on the include path before the kernel tree's SoC directory.
 */
export interface DeviceSpec extends Partial<Omit<Device, 'name' | 'dts'>> {
  name: string;
  /** A built-in device (nixwrt devices) whose facts this one starts from. */
  base?: string;
  dts?: { file: string; socDir?: string };
}

export function hexAddress(n: number): string {
  return `0x${n.toString(16)}`;
}
