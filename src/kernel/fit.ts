/**
 * FIT (.itb): a device tree holding the images. /images/kernel-1 carries the (compressed)
 * kernel, /images/fdt-1 the DTB, each with crc32 and sha1 hash nodes; /configurations/config-1
 * pairs them and is the default. Written with our FDT writer (src/dt).
 */
import { createHash } from 'node:crypto';
import { DeviceTree, toDtb } from '../dt/index.js';
import { crc32 } from './crc32.js';
import { checkDtb } from './append-dtb.js';
import { ARCH_CODES, COMP_CODES, OS_CODES, codeName } from './uimage/types.js';

export interface FitOptions {
  kernel: Uint8Array;
  dtb?: Uint8Array;
  /** Seconds since the epoch (root `timestamp`). */
  time: number;
  load: number;
  entry: number;
  name: string;
  /** uImage codes, as for legacy images. */
  arch: number;
  comp: number;
  os?: number;
}

function addHashes(tree: DeviceTree, path: string, data: Uint8Array): void {
  tree.addNode(`${path}/hash-1`);
  tree.setProperty(`${path}/hash-1`, 'algo', 'crc32');
  tree.setProperty(`${path}/hash-1`, 'value', [crc32(data)]);
  tree.addNode(`${path}/hash-2`);
  tree.setProperty(`${path}/hash-2`, 'algo', 'sha1');
  tree.setProperty(`${path}/hash-2`, 'value', new Uint8Array(createHash('sha1').update(data).digest()));
}

export function buildFit(o: FitOptions): Uint8Array {
  if (o.dtb) checkDtb(o.dtb);
  const arch = codeName(ARCH_CODES, o.arch) ?? 'mips';
  const os = codeName(OS_CODES, o.os ?? OS_CODES.linux!) ?? 'linux';
  const comp = codeName(COMP_CODES, o.comp) ?? 'none';
  const t = DeviceTree.create();
  t.setProperty('/', 'timestamp', [o.time]);
  t.setProperty('/', 'description', o.name);
  t.setProperty('/', '#address-cells', [1]);

  const k = '/images/kernel-1';
  t.addNode(k);
  t.setProperty(k, 'description', o.name);
  t.setProperty(k, 'data', o.kernel);
  t.setProperty(k, 'type', 'kernel');
  t.setProperty(k, 'arch', arch);
  t.setProperty(k, 'os', os);
  t.setProperty(k, 'compression', comp);
  t.setProperty(k, 'load', [o.load]);
  t.setProperty(k, 'entry', [o.entry]);
  addHashes(t, k, o.kernel);

  if (o.dtb) {
    const f = '/images/fdt-1';
    t.addNode(f);
    t.setProperty(f, 'description', `${o.name} device tree`);
    t.setProperty(f, 'data', o.dtb);
    t.setProperty(f, 'type', 'flat_dt');
    t.setProperty(f, 'arch', arch);
    t.setProperty(f, 'compression', 'none');
    addHashes(t, f, o.dtb);
  }

  t.addNode('/configurations/config-1');
  t.setProperty('/configurations', 'default', 'config-1');
  t.setProperty('/configurations/config-1', 'description', o.name);
  t.setProperty('/configurations/config-1', 'kernel', 'kernel-1');
  if (o.dtb) t.setProperty('/configurations/config-1', 'fdt', 'fdt-1');
  return toDtb(t);
}
