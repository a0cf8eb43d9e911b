/**
 * manifest.json: what went into a build and where each part sits in each output, so a
 * user (or `nixwrt inspect`) can check an image without the build machine. Deterministic:
 * no times, sorted store paths.
 */
import { createHash } from 'node:crypto';

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface BlobInfo {
  size: number;
  sha256: string;
}

// A build hashes the same kernel and rootfs for its output list and for the manifest: once is enough.
// Keyed on the array object; callers never change an output's bytes after hashing them.
const known = new WeakMap<Uint8Array, BlobInfo>();

export function blobInfo(data: Uint8Array): BlobInfo {
  let info = known.get(data);
  if (!info || info.size !== data.length) {
    info = { size: data.length, sha256: sha256(data) };
    known.set(data, info);
  }
  return { ...info };
}

export interface OutputFile extends BlobInfo {
  file: string;
  /** Offsets of the parts inside the file (firmware images). */
  parts?: Array<{ name: string; offset: number; size: number }>;
}

export interface Manifest {
  version: 1;
  device: string;
  hostname: string;
  cmdline: string;
  /** The kernel command line each output boots with (firmware, phramware, emulator). */
  cmdlines: Record<string, string>;
  kernel: { package: string; storePath: string; load: string; entry: string; vmlinux: BlobInfo; image?: BlobInfo };
  dtb?: BlobInfo;
  rootfs: BlobInfo & { compression: string; blockSize: number };
  packages: Record<string, string>;
  storePaths: string[];
  outputs: Record<string, OutputFile[]>;
}

export function manifestJson(m: Manifest): string {
  return `${JSON.stringify({ ...m, storePaths: [...m.storePaths].sort() }, null, 2)}\n`;
}
