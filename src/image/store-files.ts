/**
 * Reading files of fetched store paths straight out of their verified NARs: one file
 * (the kernel's vmlinux) into memory, or a whole tree (the kernel DTS tree, which the
 * preprocessor reads by path) unpacked once into the cache directory.
 */
import { mkdir, open, rename, rm, stat, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readContent } from '../rootfs/content.js';
import { tempPathFor } from '../util/atomic-write.js';
import { ImageError } from './errors.js';

/** The parts of the NAR listing this module uses (Nix's `.ls` shape). */
export interface ListingNode {
  type: 'regular' | 'directory' | 'symlink';
  size?: number;
  executable?: boolean;
  narOffset?: number;
  target?: string;
  entries?: Record<string, ListingNode>;
}

export interface StoreObject {
  narPath: string;
  /** `sha256:…`: the NAR is proven against it before any of its bytes are used. */
  narHash?: string;
  listing: ListingNode;
}

function lookup(root: ListingNode, rel: string): ListingNode | undefined {
  let cur: ListingNode | undefined = root;
  for (const part of rel.split('/').filter((p) => p !== '')) cur = cur?.type === 'directory' ? cur.entries?.[part] : undefined;
  return cur;
}

/** A regular file of a store object, read from its NAR. */
export async function readStoreFile(obj: StoreObject, rel: string, storePath: string): Promise<Uint8Array> {
  const node = lookup(obj.listing, rel);
  if (node?.type !== 'regular' || node.narOffset === undefined || node.size === undefined) {
    throw new ImageError('missing-store-file', `${storePath}/${rel}: no such regular file in the store path (is this the right package?)`);
  }
  // One chunk of the whole size: one buffer, read in as few calls as the kernel allows.
  const chunks: Uint8Array[] = [];
  for await (const chunk of readContent({ kind: 'nar-slice', narPath: obj.narPath, offset: node.narOffset, size: node.size, narHash: obj.narHash }, Math.max(1, node.size))) {
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/**
 * Unpack a store object under `parentDir` (named after the store path) unless already there;
 * the tree appears whole or not at all (unpacked beside, then renamed).
 */
export async function unpackStoreObject(obj: StoreObject, storePath: string, parentDir: string): Promise<string> {
  const dest = join(parentDir, basename(storePath));
  if (await stat(dest).then(() => true, () => false)) return dest;
  await mkdir(parentDir, { recursive: true });
  const tmp = tempPathFor(dest);
  try {
    await unpackNode(obj, obj.listing, tmp);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    // Another build may have unpacked the same path meanwhile.
    if (await stat(dest).then(() => true, () => false)) return dest;
    throw err;
  }
  return dest;
}

async function unpackNode(obj: StoreObject, node: ListingNode, path: string): Promise<void> {
  if (node.type === 'directory') {
    await mkdir(path);
    for (const [name, child] of Object.entries(node.entries ?? {})) await unpackNode(obj, child, join(path, name));
  } else if (node.type === 'symlink') {
    await symlink(node.target!, path);
  } else {
    const src = { kind: 'nar-slice' as const, narPath: obj.narPath, offset: node.narOffset ?? 0, size: node.size ?? 0, narHash: obj.narHash };
    // Inside a temp tree renamed at the end: no per-file temp + fsync needed.
    const fh = await open(path, 'wx', node.executable ? 0o755 : 0o644);
    try {
      for await (const chunk of readContent(src, 1 << 20)) await fh.write(chunk);
    } finally {
      await fh.close();
    }
  }
}
