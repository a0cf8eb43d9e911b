/**
 * The NOR flash of an emulated U-Boot board, as the board would leave the factory: U-Boot at
 * offset 0, optionally firmware.bin in the firmware partition, and U-Boot's environment. Pure:
 * bytes in, the flash image out.
 */
import { crc32 } from '../kernel/crc32.js';
import { hexAddress, type Device, type UbootEmulator } from './device.js';
import { ImageError } from './errors.js';

/** The emulator facts of a U-Boot device (the caller has checked it is one). */
export function ubootEmulatorOf(device: Device): UbootEmulator {
  if (device.boot.kind !== 'uboot' || !device.boot.emulator) {
    throw new ImageError('no-emulator', `${device.name} has no emulated U-Boot board (try qemu-malta-uboot)`);
  }
  return device.boot.emulator;
}

/**
 * A U-Boot environment block (CONFIG_ENV_IS_IN_FLASH, not redundant): the CRC-32 of the data
 * area in the CPU's byte order, then `name=value` strings each ended by NUL, an empty string
 * after the last, and 0xFF (erased flash) to the end of the block: as `mkenvimage` writes it.
 */
export function ubootEnv(vars: ReadonlyArray<readonly [string, string]>, size: number, endian: 'little' | 'big'): Uint8Array {
  const text = vars.map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(k) || v.includes('\0')) throw new ImageError('bad-env', `bad U-Boot variable ${JSON.stringify(k)}`);
    return `${k}=${v}\0`;
  });
  const data = Buffer.from(`${text.join('')}\0`);
  if (data.length > size - 4) throw new ImageError('bad-env', `the U-Boot environment takes ${data.length} bytes, more than its ${size - 4}`);
  const out = new Uint8Array(size).fill(0xff);
  out.set(data, 4);
  new DataView(out.buffer).setUint32(0, crc32(out.subarray(4)), endian === 'little');
  return out;
}

/** Swap the bytes of each 32-bit word in place (QEMU's little-endian Malta flash quirk). */
export function swapWords(buf: Uint8Array, start: number, end: number): void {
  for (let i = start; i + 4 <= end; i += 4) {
    const a = buf[i]!;
    const b = buf[i + 1]!;
    buf[i] = buf[i + 3]!;
    buf[i + 1] = buf[i + 2]!;
    buf[i + 2] = b;
    buf[i + 3] = a;
  }
}

export interface FlashContents {
  uboot: Uint8Array;
  /** firmware.bin, written at the firmware partition. */
  firmware?: Uint8Array;
  env: ReadonlyArray<readonly [string, string]>;
}

/** The whole flash image as the emulator's flash device reads it: erased (0xFF) where nothing is. */
export function flashImage(device: Device, c: FlashContents): Uint8Array {
  const emu = ubootEmulatorOf(device);
  const flash = device.flash!;
  const partOffset = flash.address - emu.flashBase;
  if (c.uboot.length > partOffset) {
    throw new ImageError('partition-overflow', `U-Boot is ${c.uboot.length} bytes: it runs into the firmware partition at ${hexAddress(partOffset)}`);
  }
  if (c.firmware && c.firmware.length > flash.partitionSize) {
    throw new ImageError('partition-overflow', `firmware.bin is ${c.firmware.length} bytes, over the ${flash.partitionSize}-byte firmware partition`);
  }
  const img = new Uint8Array(emu.flashSize).fill(0xff);
  img.set(c.uboot, 0);
  if (c.firmware) img.set(c.firmware, partOffset);
  img.set(ubootEnv(c.env, emu.envSize, device.endian), emu.envOffset);
  swapWords(img, 0, emu.swapBytes);
  return img;
}
