import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { devices } from '../../devices/index.js';
import { packageRoot } from '../util/package-root.js';
import type { Device, DeviceSpec } from './device.js';
import { ImageError } from './errors.js';
import { ConfigError } from '../config/errors.js';

export function listDevices(): Device[] {
  return [...devices.values()];
}

export function getDevice(name: string): Device {
  const d = devices.get(name);
  if (!d) {
    throw new ImageError('unknown-device', `unknown device "${name}" (known: ${[...devices.keys()].join(', ')})`);
  }
  return d;
}

/**
 * The board DTS to compile and its include path, as the kernel's own build has it:
 * the board's directory, the SoC directory of the kernel DTS tree, and include/ for dt-bindings.
 */
export function dtsInputs(device: Device, linuxDtsRoot: string): { file: string; includeDirs: string[] } {
  const projectDir = join(packageRoot(), 'devices', 'dts');
  const src = device.dts.source;
  const file = src.from === 'project' ? join(projectDir, src.file) : src.from === 'file' ? src.file : join(linuxDtsRoot, src.file);
  return {
    file,
    includeDirs: [...(src.from === 'file' ? [dirname(file)] : []), projectDir, join(linuxDtsRoot, device.dts.socDir), join(linuxDtsRoot, 'include')],
  };
}

/**
 * A config's own device: the built-in `base` (if named) with the given facts on top, every fact
 * checked, `dts.file` resolved against `configDir` and present. Errors name the config and key.
 */
export function deviceFromSpec(spec: unknown, configDir: string, where: string): Device {
  const bad = (key: string, msg: string): never => {
    throw new ConfigError('config-invalid', `${where}: device.${key}: ${msg}`);
  };
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) bad('', 'must be a device name or an object');
  const s = spec as Record<string, unknown>;
  let base: Device | undefined;
  if (s.base !== undefined) {
    if (typeof s.base !== 'string' || !devices.has(s.base)) bad('base', `unknown device ${JSON.stringify(s.base)} (known: ${[...devices.keys()].join(', ')})`);
    base = devices.get(s.base as string)!;
  }
  const known = new Set(['name', 'base', 'description', 'soc', 'arch', 'endian', 'loadAddress', 'entryAddress', 'ramSize', 'flash', 'phramAddress', 'console', 'baseCmdline', 'kernelPackage', 'dtsPackage', 'dts', 'boot']);
  for (const k of Object.keys(s)) if (!known.has(k)) bad(k, `unknown key (known: ${[...known].join(', ')})`);
  const merged = { ...base, ...s } as Record<string, unknown>;
  const str = (k: string) => (typeof merged[k] === 'string' && merged[k] !== '' ? (merged[k] as string) : bad(k, 'must be a non-empty string'));
  const addr = (v: unknown, k: string) => (Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff ? (v as number) : bad(k, 'must be a 32-bit address (a number, e.g. 0x80000000)'));
  const oneOf = <T extends string>(k: string, list: readonly T[]) => (list.includes(merged[k] as T) ? (merged[k] as T) : bad(k, `must be one of ${list.join(', ')}`));
  const name = str('name');
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) bad('name', `'${name}' must be letters, digits, '.', '_' or '-'`);
  if (!Array.isArray(merged.baseCmdline) || !merged.baseCmdline.every((w) => typeof w === 'string')) bad('baseCmdline', 'must be a list of strings');
  const flash = merged.flash as Record<string, unknown> | undefined;
  if (flash !== undefined && (typeof flash !== 'object' || flash === null)) bad('flash', 'must be { address, partitionSize, eraseBlock }');
  const boot = merged.boot as Record<string, unknown> | undefined;
  if (typeof boot !== 'object' || boot === null) bad('boot', "must be { kind: 'uboot', tftpAddress } or { kind: 'qemu', qemu, machine, memoryMiB, rootDevice }");
  let bootOut: Device['boot'];
  if (boot!.kind === 'uboot') bootOut = { kind: 'uboot', tftpAddress: addr(boot!.tftpAddress, 'boot.tftpAddress') };
  else if (boot!.kind === 'qemu') {
    const q = (k: string) => (typeof boot![k] === 'string' ? (boot![k] as string) : bad(`boot.${k}`, 'must be a string'));
    const mem = Number.isSafeInteger(boot!.memoryMiB) && (boot!.memoryMiB as number) > 0 ? (boot!.memoryMiB as number) : bad('boot.memoryMiB', 'must be a whole number > 0');
    bootOut = { kind: 'qemu', qemu: q('qemu'), machine: q('machine'), memoryMiB: mem, rootDevice: q('rootDevice') };
  } else bootOut = bad('boot.kind', "must be 'uboot' or 'qemu'");
  // dts: the user's { file, socDir? } (socDir defaults to the base's), or the base's own.
  const d = s.dts as Record<string, unknown> | undefined;
  let dts: Device['dts'];
  if (d !== undefined) {
    if (typeof d !== 'object' || d === null || typeof d.file !== 'string' || d.file === '') bad('dts', 'must be { file: "board.dts" (relative to the config), socDir?: "arch/mips/boot/dts/..." }');
    const socDir = d!.socDir ?? base?.dts.socDir;
    if (typeof socDir !== 'string') bad('dts.socDir', 'must be the SoC directory inside the kernel DTS tree, e.g. arch/mips/boot/dts/ralink');
    const file = resolve(configDir, d!.file as string);
    if (!existsSync(file)) bad('dts.file', `${file} does not exist`);
    dts = { source: { from: 'file', file }, socDir: socDir as string };
  } else if (base) dts = base.dts;
  else dts = bad('dts', 'is needed (or a base device to take it from)');
  const device: Device = {
    name,
    description: typeof merged.description === 'string' ? merged.description : `${name} (described by ${where})`,
    soc: str('soc'),
    arch: oneOf('arch', ['mipsel', 'mips'] as const),
    endian: oneOf('endian', ['little', 'big'] as const),
    loadAddress: addr(merged.loadAddress, 'loadAddress'),
    entryAddress: merged.entryAddress === 'elf' ? 'elf' : addr(merged.entryAddress, 'entryAddress'),
    ramSize: Number.isSafeInteger(merged.ramSize) && (merged.ramSize as number) > 0 ? (merged.ramSize as number) : bad('ramSize', 'must be a whole number of bytes'),
    console: str('console'),
    baseCmdline: [...(merged.baseCmdline as string[])],
    kernelPackage: str('kernelPackage'),
    dtsPackage: str('dtsPackage'),
    dts,
    boot: bootOut,
  };
  if (flash !== undefined) {
    device.flash = { address: addr(flash.address, 'flash.address'), partitionSize: addr(flash.partitionSize, 'flash.partitionSize'), eraseBlock: addr(flash.eraseBlock, 'flash.eraseBlock') };
    if (device.flash.eraseBlock === 0 || device.flash.partitionSize % device.flash.eraseBlock !== 0) bad('flash', 'partitionSize must be a whole number of erase blocks');
  }
  if (merged.phramAddress !== undefined) device.phramAddress = addr(merged.phramAddress, 'phramAddress');
  if ((device.endian === 'little') !== (device.arch === 'mipsel')) bad('endian', `${device.arch} is ${device.arch === 'mipsel' ? 'little' : 'big'}-endian`);
  return device;
}
