/** FIT reader: images, their properties and data, with every crc32/sha1 hash node verified. */
import { createHash } from 'node:crypto';
import { NixwrtError } from '../errors.js';
import { parseDtb, type DtNode } from '../dt/index.js';
import { crc32 } from './crc32.js';

export type FitErrorCode = 'fit-bad-hash' | 'fit-no-images' | 'fit-bad-property';
export class FitError extends NixwrtError<FitErrorCode> {}

export interface FitHash {
  algo: string;
  value: Uint8Array;
  /** undefined for algorithms we do not check. */
  verified?: boolean;
}

export interface FitImage {
  name: string;
  description?: string;
  type?: string;
  arch?: string;
  os?: string;
  compression?: string;
  load?: number;
  entry?: number;
  data: Uint8Array;
  hashes: FitHash[];
}

export interface Fit {
  description?: string;
  timestamp?: number;
  images: FitImage[];
  defaultConfig?: string;
  configurations: Array<{ name: string; kernel?: string; fdt?: string; description?: string }>;
}

function str(n: DtNode, name: string): string | undefined {
  const v = n.getProperty(name)?.value;
  if (!v) return undefined;
  const end = v.indexOf(0);
  return new TextDecoder().decode(end < 0 ? v : v.subarray(0, end));
}

function cell(n: DtNode, name: string): number | undefined {
  const v = n.getProperty(name)?.value;
  if (!v) return undefined;
  if (v.length !== 4) throw new FitError('fit-bad-property', `${n.path}/${name} is ${v.length} bytes, expected one 32-bit cell`);
  return new DataView(v.buffer, v.byteOffset, 4).getUint32(0);
}

function digest(algo: string, data: Uint8Array): Uint8Array | undefined {
  if (algo === 'crc32') {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, crc32(data));
    return out;
  }
  if (algo === 'sha1' || algo === 'sha256' || algo === 'md5') return new Uint8Array(createHash(algo).update(data).digest());
  return undefined;
}

/** Parse a FIT; throws `fit-bad-hash` when a hash node does not match its image's data. */
export function readFit(bytes: Uint8Array): Fit {
  const tree = parseDtb(bytes);
  const images = tree.getNode('/images');
  if (!images) throw new FitError('fit-no-images', 'not a FIT: the device tree has no /images node');
  const fit: Fit = {
    description: str(tree.root, 'description'),
    timestamp: cell(tree.root, 'timestamp'),
    images: [],
    configurations: [],
  };
  for (const n of images.liveChildren()) {
    const data = n.getProperty('data')?.value ?? new Uint8Array(0);
    const hashes: FitHash[] = [];
    // U-Boot takes every subnode whose name starts with "hash".
    for (const h of n.liveChildren().filter((c) => c.name.startsWith('hash'))) {
      const algo = str(h, 'algo') ?? '';
      const value = h.getProperty('value')?.value ?? new Uint8Array(0);
      const want = digest(algo, data);
      const hash: FitHash = { algo, value };
      if (want) {
        hash.verified = Buffer.from(want).equals(Buffer.from(value));
        if (!hash.verified) {
          throw new FitError('fit-bad-hash', `${h.path}: ${algo} is ${Buffer.from(value).toString('hex')}, the data gives ${Buffer.from(want).toString('hex')}`);
        }
      }
      hashes.push(hash);
    }
    fit.images.push({
      name: n.name,
      description: str(n, 'description'),
      type: str(n, 'type'),
      arch: str(n, 'arch'),
      os: str(n, 'os'),
      compression: str(n, 'compression'),
      load: cell(n, 'load'),
      entry: cell(n, 'entry'),
      data,
      hashes,
    });
  }
  const confs = tree.getNode('/configurations');
  if (confs) {
    fit.defaultConfig = str(confs, 'default');
    for (const c of confs.liveChildren()) {
      fit.configurations.push({ name: c.name, kernel: str(c, 'kernel'), fdt: str(c, 'fdt'), description: str(c, 'description') });
    }
  }
  return fit;
}

/** A listing in the spirit of `mkimage -l` for a FIT (hashes already verified). */
export function describeFit(fit: Fit): string {
  const hex = (v: number | undefined): string => (v === undefined ? '-' : '0x' + v.toString(16).padStart(8, '0'));
  const lines = [`FIT description: ${fit.description ?? ''}`];
  if (fit.timestamp !== undefined) lines.push(`Created:         ${new Date(fit.timestamp * 1000).toUTCString()}`);
  fit.images.forEach((im, i) => {
    lines.push(` Image ${i} (${im.name})`, `  Type:         ${im.type ?? '-'}`, `  Compression:  ${im.compression ?? '-'}`, `  Data Size:    ${im.data.length} Bytes`);
    if (im.arch) lines.push(`  Architecture: ${im.arch}`);
    if (im.load !== undefined) lines.push(`  Load Address: ${hex(im.load)}`);
    if (im.entry !== undefined) lines.push(`  Entry Point:  ${hex(im.entry)}`);
    for (const h of im.hashes) {
      lines.push(`  Hash algo:    ${h.algo}`, `  Hash value:   ${Buffer.from(h.value).toString('hex')}${h.verified ? ' (verified)' : ''}`);
    }
  });
  if (fit.defaultConfig) lines.push(` Default Configuration: '${fit.defaultConfig}'`);
  fit.configurations.forEach((c, i) => {
    lines.push(` Configuration ${i} (${c.name})`);
    if (c.kernel) lines.push(`  Kernel:       ${c.kernel}`);
    if (c.fdt) lines.push(`  FDT:          ${c.fdt}`);
  });
  return lines.join('\n') + '\n';
}
