import type { Device } from '../src/image/device.js';
import { glAr750 } from './gl-ar750.js';
import { glMt300a } from './gl-mt300a.js';
import { glMt300nV2 } from './gl-mt300n-v2.js';
import { qemuMalta } from './qemu-malta.js';
import { qemuMaltaUboot } from './qemu-malta-uboot.js';

/** Every device nixwrt-ts can build for, by name. */
export const devices: ReadonlyMap<string, Device> = new Map(
  [qemuMalta, glMt300a, glMt300nV2, glAr750, qemuMaltaUboot].map((d) => [d.name, d]),
);
