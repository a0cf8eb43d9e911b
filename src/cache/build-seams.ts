/**
 * What `build()` caches, and on which inputs. Outputs must stay byte-identical to an uncached
 * build: every input that changes an artefact's bytes is in its key.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Device } from '../image/device.js';
import { packageRoot } from '../util/package-root.js';
import { moduleDir } from '../util/module-dir.js';
import { dtsInputs } from '../image/devices.js';
import type { BlockCache } from '../squashfs/index.js';
import type { TaskPool } from '../workers/pool.js';
import { cachedArtefact, squashfsBlockCache } from './artefacts.js';
import { CacheError } from './errors.js';
import { blobInfo, type BlobInfo } from '../image/manifest.js';
import type { RawImage } from '../kernel/elf/index.js';
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
  const compiler = await codeHash('dt');
  // A config's own DTS: its directory's DTS sources (what it may include) by content.
  const board = device.dts.source.from === 'file' ? await dtsSourceHashes(includeDirs[0]!) : undefined;
  const r = await cachedArtefact(store, { kind: 'dtb', dtsStorePath, file, includeDirs, bootargs, project, compiler, ...(board ? { board } : {}) }, make);
  return r.bytes;
}

/**
 * The kernel's LZMA stream (raw kernel + DTB) and entry address, keyed before the vmlinux is
 * read: on the kernel's NAR hash (its verified content), the DTB, the device's addresses, the
 * LZMA settings and the code of the kernel packaging. On a hit neither the vmlinux nor objcopy is
 * needed; `raw` is called on a miss only. The uImage header (name, time) is made each build.
 * Entry: the entry address (4 bytes, little-endian), then the LZMA stream.
 */
export async function cachedKernelLzma(
  store: ArtefactStore,
  pool: TaskPool,
  k: { narHash: string; device: Device; dtb: Uint8Array },
  raw: () => Promise<RawImage>,
  /** Told the payload size before an encode (a cache miss) and 'done' after: a progress line. */
  onEncode?: (e: { phase: 'start' | 'done'; bytes: number }) => void,
): Promise<{ lzma: Uint8Array; entry: number }> {
  // The kernel stage (and the DT compiler under it) loads only for devices that need it.
  const { KERNEL_LZMA, kernelLzma, kernelEntry, kernelPayload } = await import('../image/kernel-stage.js');
  const inputs = {
    kind: 'kernel-lzma',
    narHash: k.narHash,
    file: 'vmlinux',
    dtb: sha256Hex(k.dtb),
    load: k.device.loadAddress,
    entry: String(k.device.entryAddress),
    lzma: { ...KERNEL_LZMA },
    code: [await codeHash('kernel'), await codeHash('image')],
  };
  const r = await cachedArtefact(store, inputs, async () => {
    const image = await raw();
    const payload = kernelPayload(image, k.dtb);
    const bytes = payload.length;
    onEncode?.({ phase: 'start', bytes });
    const lzma = await kernelLzma(payload, pool);
    onEncode?.({ phase: 'done', bytes });
    const out = new Uint8Array(4 + lzma.length);
    new DataView(out.buffer).setUint32(0, kernelEntry(k.device, image), true);
    out.set(lzma, 4);
    return out;
  });
  if (r.bytes.length < 4) throw new CacheError('bad-entry', 'kernel-lzma entry shorter than its header');
  return { entry: new DataView(r.bytes.buffer, r.bytes.byteOffset, 4).getUint32(0, true), lzma: r.bytes.subarray(4) };
}

/**
 * Size and SHA-256 of a file inside a store path, keyed on the path's NAR hash, so the
 * manifest can name the vmlinux of a flash build without reading it.
 */
export async function cachedStoreFileInfo(store: ArtefactStore, narHash: string, file: string, read: () => Promise<Uint8Array>): Promise<BlobInfo> {
  const r = await cachedArtefact(store, { kind: 'store-file-info', narHash, file }, async () => Buffer.from(JSON.stringify(blobInfo(await read()))));
  const info = JSON.parse(Buffer.from(r.bytes).toString('utf8')) as BlobInfo;
  return { size: info.size, sha256: info.sha256 };
}

export async function squashfsCache(store: ArtefactStore): Promise<BlockCache> {
  return squashfsBlockCache(store, await codeHash('squashfs'));
}

const codeHashes = new Map<string, Promise<string>>();

/**
 * A hash of the code that makes an artefact (this build's compiled or source files of that
 * folder), so changing an encoder's defaults or bugs never serves bytes the old code made.
 */
export function codeHash(folder: string): Promise<string> {
  let h = codeHashes.get(folder);
  if (!h) {
    h = dirHashes(moduleDir(folder)).then((m) => sha256Hex(canonicalJson(m)));
    codeHashes.set(folder, h);
  }
  return h;
}

/** name → SHA-256 of every file under `dir` (recursively), sorted by name. */
/** The .dts, .dtsi and .h files directly in `dir`, by content (a user's project folder holds more). */
async function dtsSourceHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() && /\.(dts|dtsi|h)$/.test(d.name)).map((d) => d.name).sort();
  for (const n of names) out[n] = sha256Hex(await readFile(join(dir, n)));
  return out;
}

async function dirHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  // A missing folder is an error: hashing nothing would key every version of the code alike.
  const names = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .sort();
  for (const f of names) out[f.slice(dir.length + 1)] = sha256Hex(await readFile(f));
  return out;
}
