/**
 * What `build()` caches, and on which inputs. Outputs must stay byte-identical to an uncached
 * build: every input that changes an artefact's bytes is in its key.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Device } from '../image/device.js';
import { packageRoot } from '../util/package-root.js';
import { dtsInputs } from '../image/devices.js';
import type { BlockCache } from '../squashfs/index.js';
import type { TaskPool } from '../workers/pool.js';
import { cachedArtefact, squashfsBlockCache } from './artefacts.js';
import { canonicalJson, sha256Hex } from './key.js';
import type { ArtefactStore } from './store.js';

/**
 * The DTB: the device's DTS file inside the (immutable) DTS store path, the bytes of the
 * project's own DTS files (they change with this repository), and the bootargs set into /chosen.
 */
export async function cachedDtb(
  store: ArtefactStore,
  device: Device,
  dtsStorePath: string,
  bootargs: string,
  make: () => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const { file, includeDirs } = dtsInputs(device, '/');
  const projectDir = join(packageRoot(), 'devices', 'dts');
  const project = await dirHashes(projectDir);
  const compiler = await codeHash('../dt/');
  const r = await cachedArtefact(store, { kind: 'dtb', dtsStorePath, file, includeDirs, bootargs, project, compiler }, make);
  return r.bytes;
}

/**
 * The kernel's LZMA stream, keyed on the payload (raw kernel + DTB) and the LZMA settings.
 * The uImage header (name, time) is rewritten each build: it is 64 bytes.
 */
export function kernelCompressor(store: ArtefactStore, pool: TaskPool): (payload: Uint8Array) => Promise<Uint8Array> {
  return async (payload) => {
    // The kernel stage (and the DT compiler under it) loads only for devices that need it.
    const { KERNEL_LZMA, kernelLzma } = await import('../image/kernel-stage.js');
    const encoder = await codeHash('../kernel/lzma/');
    const inputs = { kind: 'kernel-lzma', payload: sha256Hex(payload), size: payload.length, lzma: { ...KERNEL_LZMA }, encoder };
    return (await cachedArtefact(store, inputs, () => kernelLzma(payload, pool))).bytes;
  };
}

export async function squashfsCache(store: ArtefactStore): Promise<BlockCache> {
  return squashfsBlockCache(store, await codeHash('../squashfs/'));
}

const codeHashes = new Map<string, Promise<string>>();

/**
 * A hash of the code that makes an artefact (this build's compiled or source files of that
 * folder), so changing an encoder's defaults or bugs never serves bytes the old code made.
 */
export function codeHash(rel: string): Promise<string> {
  let h = codeHashes.get(rel);
  if (!h) {
    h = dirHashes(fileURLToPath(new URL(rel, import.meta.url))).then((m) => sha256Hex(canonicalJson(m)));
    codeHashes.set(rel, h);
  }
  return h;
}

/** name → SHA-256 of every file under `dir` (recursively), sorted by name. */
async function dirHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const names = (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []))
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .sort();
  for (const f of names) out[f.slice(dir.length + 1)] = sha256Hex(await readFile(f));
  return out;
}
