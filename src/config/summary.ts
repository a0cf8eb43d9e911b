import { serviceOrder } from '../rootfs/services.js';
import type { System } from './types.js';

/** The System as JSON: byte contents become { base64 }, everything else is already data. */
export function systemToJson(s: System): string {
  return JSON.stringify(s, (_k, v: unknown) => (v instanceof Uint8Array ? { base64: Buffer.from(v).toString('base64') } : v), 2) + '\n';
}

/** A short human summary of an evaluated system. */
export function describeSystem(s: System): string {
  const lines = [
    `device      ${s.device}`,
    `hostname    ${s.hostname}`,
    `lock        ${s.lock.path} (cache ${s.lock.cacheUrl})`,
    `modules     ${s.modules.join(', ')}`,
    `packages    ${s.packages.map((p) => `${p.name}=${p.storePath}`).join('\n            ') || '(none)'}`,
    `services    ${serviceOrder(s.services).map((n) => (s.services[n]!.dependsOn.length ? `${n} (after ${s.services[n]!.dependsOn.join(', ')})` : n)).join(', ') || '(none)'}`,
    `needs       ${s.requirements.join(', ') || '(nothing special)'}`,
    `cmdline     ${s.kernelCmdline.join(' ') || '(device default only)'}`,
    `entries     ${Object.keys(s.files).length} files, ${Object.keys(s.directories).length} directories, ${Object.keys(s.symlinks).length} symlinks, ${Object.keys(s.devices).length} device nodes`,
  ];
  if (s.overlays.length) lines.push(`overlays    ${s.overlays.map((o) => ('dir' in o ? o.dir : o.tarball)).join(', ')}`);
  return lines.join('\n') + '\n';
}
