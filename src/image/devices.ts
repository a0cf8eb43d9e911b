import { join } from 'node:path';
import { devices } from '../../devices/index.js';
import { packageRoot } from '../util/package-root.js';
import type { Device } from './device.js';
import { ImageError } from './errors.js';

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
  const file =
    device.dts.source.from === 'project' ? join(projectDir, device.dts.source.file) : join(linuxDtsRoot, device.dts.source.file);
  return {
    file,
    includeDirs: [projectDir, join(linuxDtsRoot, device.dts.socDir), join(linuxDtsRoot, 'include')],
  };
}
