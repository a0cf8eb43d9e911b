/**
 * `nixwrt build`: the pipeline of docs/architecture.md ("The build pipeline"), one named call per stage.
 *
 *   config ─evaluate─▶ System ─fetch─▶ closure ─rootfs─▶ tree ─squashfs─▶ rootfs image
 *   device DTS + bootargs ─dtb─▶ DTB;  vmlinux + DTB ─kernel─▶ uImage
 *   ─outputs─▶ firmware.bin, phramware.bin, emulator/, flash/tftp scripts, manifest.json
 */
import { defaultCacheDir } from './util/cache-dir.js';
import { join, resolve } from 'node:path';
// Modules, not folder index files: a warm build should load only what it runs (start-up time).
import { loadSystem } from './config/evaluate.js';
import { resolvePackage } from './config/load.js';
import type { System } from './config/types.js';
import { fetchClosure, type FetchProgress } from './nix/closure.js';
import { StoreCacheError } from './nix/errors.js';
import { buildRootfs } from './rootfs/builder.js';
import { writeSquashfsToBuffer } from './squashfs/writer.js';
import type { DirNode } from './rootfs/tree.js';
import { createPool, type TaskPool } from './workers/pool.js';
import type { Device } from './image/device.js';
import { getDevice } from './image/devices.js';
import { ImageError } from './image/errors.js';
import { ArtefactStore, type CacheStats } from './cache/store.js';
import { cacheMaxSize } from './cache/limit.js';
import { cachedDtb, cachedKernelLzma, cachedStoreFileInfo, squashfsCache } from './cache/build-seams.js';
import type { RawImage } from './kernel/elf/index.js';
import { blobInfo, type BlobInfo, type Manifest, type OutputFile } from './image/manifest.js';
import { OutputState } from './image/output-state.js';
import { writeEmulator, writeFirmware, writeManifest, writePhramware, writeUbootEmulator } from './image/outputs.js';
import { addFile } from './image/tree-edit.js';
import { phramCmdline, phramRegionFor, phramVars, type PhramRegion } from './image/phram.js';
import { readStoreFile, unpackStoreObject, type StoreObject } from './image/store-files.js';
import { StageTimer, type StageTiming } from './image/timings.js';
import { defaultTftp, type TftpSettings } from './image/uboot-scripts.js';

export type BuildOutput = 'firmware' | 'phramware' | 'emulator';

export interface BuildOptions {
  /** Path of the config (.ts or .json). */
  config: string;
  /** Outputs to build; 'all' = every output the device supports (default). */
  outputs?: BuildOutput[] | 'all';
  outDir: string;
  /** Binary caches to fetch from (default: the lock's cache). */
  substituters?: string[];
  /** Keys trusted to sign narinfos (default: the lock's key). */
  trustedPublicKeys?: string[];
  cacheDir?: string;
  /** Worker threads for compression and parallel downloads. */
  jobs?: number;
  /** Time stamped into squashfs and uImage (default SOURCE_DATE_EPOCH, else 0). */
  time?: number;
  tftp?: TftpSettings;
  /**
   * Size limit of the artefact cache in bytes, applied after the build (least recently used
   * entries go first). Default: $NIXWRT_CACHE_MAX_SIZE (bytes, or with K, M, G), else 2 GiB.
   */
  cacheMaxSize?: number;
  /** Download and compression progress (the CLI draws bars from it on a terminal). */
  onProgress?: (e: BuildProgress) => void;
  /**
   * Collects the user's files the build read: the config and its local imports, the lock
   * file, overlay directories and tarballs. Filled as far as the build got, also when it fails
   * (`nixwrt build --watch` rebuilds when one of them changes).
   */
  inputs?: Set<string>;
}

export type BuildProgress =
  | { kind: 'fetch'; event: FetchProgress }
  /** File bytes of the rootfs through the squashfs data stage. */
  | { kind: 'squashfs'; done: number; total: number }
  /** The kernel's LZMA encode (a cache miss; seconds to a minute): its payload size, start and end. */
  | { kind: 'kernel-lzma'; phase: 'start' | 'done'; bytes: number };

export interface BuildResult {
  outDir: string;
  device: string;
  manifest: Manifest;
  files: OutputFile[];
  timings: StageTiming[];
  /** Artefact cache use: hits, misses, damaged entries found, entries written; and the size limit applied after. */
  cache: CacheStats & { gc?: { before: number; after: number; removed: number } };
  /** Damaged cached NARs that were removed and fetched again (their StoreCacheError messages). */
  repaired?: string[];
}

export { defaultCacheDir };

/**
 * Compression tasks run on the main thread before the worker threads start: a warm build that
 * recompresses the one or two blocks holding an edited /etc file starts no workers.
 */
const INLINE_TASKS = 2;

/**
 * Build; a cached NAR found damaged (it did not hash to its NarHash: nix/nar-proof.ts) was
 * removed from the store cache, so the build runs once more and that fetch downloads it again.
 * A second damaged NAR, or one the substituters cannot supply, fails the build naming it.
 */
export async function build(opts: BuildOptions): Promise<BuildResult> {
  try {
    return await buildOnce(opts);
  } catch (err) {
    if (!(err instanceof StoreCacheError)) throw err;
    const r = await buildOnce(opts);
    return { ...r, repaired: [err.message] };
  }
}

async function buildOnce(opts: BuildOptions): Promise<BuildResult> {
  const cacheDir = resolve(opts.cacheDir ?? defaultCacheDir());
  const maxCacheSize = cacheMaxSize(opts.cacheMaxSize); // a bad $NIXWRT_CACHE_MAX_SIZE fails before any work
  const store = new ArtefactStore(cacheDir);
  const timer = new StageTimer(() => store.stats);
  const time = opts.time ?? sourceDateEpoch();
  const outDir = resolve(opts.outDir);
  const pool = createPool({ threads: opts.jobs, inlineFirst: INLINE_TASKS });
  try {
    const system = await timer.time('evaluate', () => loadSystem(opts.config, { cacheDir, inputs: opts.inputs }));
    for (const o of system.overlays) opts.inputs?.add('dir' in o ? o.dir : o.tarball);
    const device = system.customDevice ?? getDevice(system.device);
    const outputs = chooseOutputs(device, system, opts.outputs);
    const sources = resolveSources(system, device, opts, outputs);

    const fetched = await timer.time('fetch', () => fetchAll(sources, opts.onProgress));
    const tree = await timer.time('rootfs', () => buildRootfs(system, fetched.rootfs, { mtime: time }));
    const out = await OutputState.load(outDir);
    const { rootfs, phram } = await timer.time('squashfs', () =>
      rootfsImage(system, device, tree, { time, pool, store, onProgress: opts.onProgress, memoKey: resolve(opts.config) }),
    );
    let vmlinuxBytes: Promise<Uint8Array> | undefined;
    const readVmlinux = () => (vmlinuxBytes ??= readStoreFile(fetched.kernel, 'vmlinux', sources.kernel));

    const cmdline = kernelCmdline(device, system);
    const files: OutputFile[] = [];
    // The kernel command line of each output (manifest.json).
    const cmdlines: Record<string, string> = {};
    let kernelImage: Uint8Array | undefined;
    let dtb: Uint8Array | undefined;
    let vmlinuxInfo: BlobInfo;
    if (device.boot.kind === 'uboot') {
      // Loaded here only: the DT compiler and kernel packaging cost start-up time the emulator never uses.
      const { compileDeviceTree, rawKernel, uImageOf } = await import('./image/kernel-stage.js');
      // The kernel stage is keyed on the kernel's NAR hash: the vmlinux is read (and objcopied) only on a miss.
      vmlinuxInfo = await timer.time('vmlinux', () => cachedStoreFileInfo(store, fetched.kernel.narHash, 'vmlinux', readVmlinux));
      let raw: Promise<RawImage> | undefined;
      // Read and objcopied inside the first 'kernel' stage that misses, once.
      const rawOnce = () => (raw ??= readVmlinux().then((v) => rawKernel(device, v)));
      const kernelFor = async (d: Uint8Array) => {
        const onEncode = opts.onProgress && ((e: { phase: 'start' | 'done'; bytes: number }) => opts.onProgress!({ kind: 'kernel-lzma', ...e }));
        const k = await cachedKernelLzma(store, pool, { narHash: fetched.kernel.narHash, device, dtb: d }, rawOnce, onEncode);
        return uImageOf(device, k.lzma, k.entry, { name: `nixwrt ${system.hostname}`.slice(0, 31), time });
      };
      const dtsRoot = await timer.time('unpack-dts', () => unpackStoreObject(fetched.dts!, sources.dts!, join(sources.cacheDir, 'unpacked')));
      if (outputs.includes('firmware')) {
        dtb = await timer.time('dtb', () => cachedDtb(store, device, sources.dts!, cmdline.join(' '), () => compileDeviceTree(device, dtsRoot, cmdline.join(' '))));
        kernelImage = await timer.time('kernel', () => kernelFor(dtb!));
        const fw = await timer.time('firmware', () =>
          writeFirmware(out, device, kernelImage!, rootfs, firmwareStyle(system), opts.tftp ?? defaultTftp, { cmdline, time }),
        );
        files.push(...fw.files);
        cmdlines.firmware = fw.cmdline;
      }
      if (outputs.includes('phramware')) {
        const region = phram ?? phramRegion(device, system, rootfs.length);
        const args = [...cmdline.filter((w) => !w.startsWith('root=')), ...phramCmdline(region)].join(' ');
        // A kernel that takes U-Boot's bootargs ignores its DTB: the firmware's serves (one LZMA run, not two).
        const dtbArgs = device.boot.cmdline === 'bootargs' ? cmdline.join(' ') : args;
        const pdtb = await timer.time('dtb', () => cachedDtb(store, device, sources.dts!, dtbArgs, () => compileDeviceTree(device, dtsRoot, dtbArgs)));
        const pkernel = await timer.time('kernel', () => kernelFor(pdtb));
        files.push(...(await timer.time('phramware', () => writePhramware(out, device, pkernel, rootfs, region, opts.tftp ?? defaultTftp, { cmdline: args, time }))));
        cmdlines.phramware = args;
      }
      if (outputs.includes('emulator')) {
        const uboot = await readStoreFile(fetched.uboot!, 'u-boot.bin', sources.uboot!);
        const net = opts.tftp ?? defaultTftp;
        files.push(...(await timer.time('emulator', () => writeUbootEmulator(out, device, uboot, { ipaddr: net.ipaddr, serverip: net.serverip }, cmdlines))));
      }
    } else {
      // Its size and SHA-256 by the NAR hash, as for flash devices: no 7 MB hash per rebuild, and
      // no read at all while the output vmlinux is as the last build left it.
      const info = await timer.time('vmlinux', () => cachedStoreFileInfo(store, fetched.kernel.narHash, 'vmlinux', readVmlinux));
      vmlinuxInfo = info;
      files.push(...(await timer.time('emulator', () => writeEmulator(out, device, { info, bytes: readVmlinux }, rootfs, cmdline.join(' ')))));
      cmdlines.emulator = cmdline.join(' ');
    }

    const manifest = buildManifest(system, device, sources, fetched, { cmdline, cmdlines, vmlinuxInfo, kernelImage, dtb, rootfs, files });
    await timer.time('manifest', async () => {
      await writeManifest(out, manifest);
      await out.save();
    });
    await store.flush();
    const stats = { ...store.stats };
    // Keep the artefact cache under its limit; a build that added nothing leaves it as it was.
    const gc = stats.puts > 0 ? await timer.time('cache-gc', () => store.trim(maxCacheSize)) : undefined;
    return { outDir, device: device.name, manifest, files, timings: timer.stages, cache: { ...stats, ...(gc ? { gc } : {}) } };
  } finally {
    await pool.close();
  }
}

function sourceDateEpoch(): number {
  const v = process.env.SOURCE_DATE_EPOCH;
  return v && /^\d+$/.test(v) ? Number(v) : 0;
}

/** --output wins, then the config's `outputs.wanted` (flash/tftpboot scripts come with their image), then all. */
function chooseOutputs(device: Device, system: System, wanted: BuildOptions['outputs']): BuildOutput[] {
  const supported: BuildOutput[] =
    device.boot.kind === 'qemu' ? ['emulator'] : device.boot.emulator ? ['firmware', 'phramware', 'emulator'] : ['firmware', 'phramware'];
  let list: BuildOutput[];
  if (wanted !== undefined && wanted !== 'all') list = wanted;
  else if (wanted === undefined && system.outputs.wanted) {
    const implied: Record<string, BuildOutput | undefined> = { firmware: 'firmware', flash: 'firmware', phramware: 'phramware', tftpboot: 'phramware', emulator: 'emulator' };
    for (const w of system.outputs.wanted) {
      const o = implied[w];
      if (o !== undefined && !supported.includes(o)) {
        const via = o === w ? '' : ` (${w === 'tftpboot' ? 'tftpboot.txt, the U-Boot script that loads phramware.bin' : 'flash.txt, the U-Boot script that writes firmware.bin'}, comes with the ${o} output)`;
        throw new ImageError('unsupported-output', `outputs.wanted '${w}'${via}: ${device.name} cannot produce it (it supports: ${supported.join(', ')})`);
      }
    }
    list = [...new Set(system.outputs.wanted.map((w) => implied[w]).filter((w): w is BuildOutput => w !== undefined))];
  } else list = supported;
  for (const w of list) {
    if (!supported.includes(w)) {
      throw new ImageError('unsupported-output', `${device.name} cannot produce the ${w} output (it supports: ${supported.join(', ')})`);
    }
  }
  return list;
}

interface Sources {
  rootfsRoots: string[];
  kernel: string;
  dts?: string;
  /** The U-Boot package of an emulated U-Boot board. */
  uboot?: string;
  substituters: string[];
  trustedPublicKeys: string[];
  cacheDir: string;
  jobs?: number;
}

function resolveSources(system: System, device: Device, opts: BuildOptions, outputs: BuildOutput[]): Sources {
  const kernelName = system.kernelPackage ?? device.kernelPackage;
  return {
    rootfsRoots: system.packages.map((p) => p.storePath),
    kernel: resolvePackage(system.lock, kernelName, `device ${device.name} (kernel)`),
    dts: device.boot.kind === 'uboot' ? resolvePackage(system.lock, device.dtsPackage, `device ${device.name} (device tree)`) : undefined,
    uboot:
      device.boot.kind === 'uboot' && device.boot.emulator && outputs.includes('emulator')
        ? resolvePackage(system.lock, device.boot.emulator.ubootPackage, `device ${device.name} (U-Boot)`)
        : undefined,
    substituters: opts.substituters ?? [system.lock.cacheUrl],
    trustedPublicKeys: opts.trustedPublicKeys ?? [system.lock.publicKey],
    cacheDir: resolve(opts.cacheDir ?? defaultCacheDir()),
    jobs: opts.jobs,
  };
}

interface Fetched {
  rootfs: ReadonlyMap<string, StoreObject>;
  /** With its NAR hash: the kernel stage is keyed on it. */
  kernel: StoreObject & { narHash: string };
  dts?: StoreObject;
  uboot?: StoreObject;
  all: ReadonlyMap<string, StoreObject>;
}

/** The rootfs closure and the boot inputs (kernel, DTS tree) fetched apart: only the first goes into /nix/store. */
async function fetchAll(s: Sources, onProgress?: (e: BuildProgress) => void): Promise<Fetched> {
  const fopts = {
    substituters: s.substituters,
    trustedPublicKeys: s.trustedPublicKeys,
    cacheDir: s.cacheDir,
    jobs: s.jobs,
    onProgress: onProgress && ((event: FetchProgress) => onProgress({ kind: 'fetch', event })),
  };
  const bootRoots = [s.kernel, ...(s.dts ? [s.dts] : []), ...(s.uboot ? [s.uboot] : [])];
  const [rootfs, boot] = await Promise.all([fetchClosure(s.rootfsRoots, fopts), fetchClosure(bootRoots, fopts)]);
  return {
    rootfs,
    kernel: boot.get(s.kernel)!,
    dts: s.dts ? boot.get(s.dts) : undefined,
    uboot: s.uboot ? boot.get(s.uboot) : undefined,
    all: new Map([...rootfs, ...boot]),
  };
}

/** The phram size the last build of a config settled on: a rebuild (--watch) squashes once. */
const lastPhramMiB = new Map<string, number>();

/**
 * The squashfs; with the phram module, also the phram region, whose size is written into the
 * rootfs as /etc/phram.vars. Its size depends on the squashfs it is in, so the image is made
 * again (from cached blocks) until the file names the region the kernel command line gets.
 */
async function rootfsImage(
  system: System,
  device: Device,
  tree: DirNode,
  o: { time: number; pool: TaskPool; store: ArtefactStore; onProgress?: (e: BuildProgress) => void; memoKey: string },
): Promise<{ rootfs: Uint8Array; phram?: PhramRegion }> {
  if (!system.phram) return { rootfs: await squashfsImage(system, tree, o.time, o.pool, o.store, o.onProgress) };
  const address = phramAddress(device, system);
  let sizeMiB = system.phram.sizeMiB ?? lastPhramMiB.get(o.memoKey) ?? 1;
  for (let pass = 0; ; pass++) {
    // /etc/phram.vars tells the running system where a RAM-loaded image goes.
    addFile(tree, ['etc', 'phram.vars'], Buffer.from(phramVars({ address, sizeMiB })), o.time);
    const rootfs = await squashfsImage(system, tree, o.time, o.pool, o.store, o.onProgress);
    const region = phramRegionFor(rootfs.length, address, device.ramSize, system.phram.sizeMiB);
    if (region.sizeMiB === sizeMiB) {
      lastPhramMiB.set(o.memoKey, sizeMiB);
      return { rootfs, phram: region };
    }
    // A few bytes of phram.vars cannot move the rootfs across MiB boundaries back and forth.
    if (pass >= 3) throw new Error(`phram size does not settle (${sizeMiB} vs ${region.sizeMiB} MiB)`);
    sizeMiB = region.sizeMiB;
  }
}

async function squashfsImage(
  system: System,
  tree: DirNode,
  time: number,
  pool: TaskPool,
  store: ArtefactStore,
  onProgress?: (e: BuildProgress) => void,
): Promise<Uint8Array> {
  const comp = system.outputs.compression;
  const progress = onProgress && ((done: number, total: number) => onProgress({ kind: 'squashfs', done, total }));
  return writeSquashfsToBuffer(tree, { comp, mkfsTime: time, allTime: time, allRoot: true, pool, blockCache: await squashfsCache(store), onProgress: progress });
}

function kernelCmdline(device: Device, system: System): string[] {
  return [`console=${device.console}`, ...device.baseCmdline, ...system.kernelCmdline];
}

function firmwareStyle(system: System): 'nixwrt' | 'openwrt' {
  return system.outputs.padjffs2 ? 'openwrt' : 'nixwrt';
}

function phramAddress(device: Device, system: System): number {
  const address = system.phram?.address !== undefined ? Number(system.phram.address) : device.phramAddress;
  if (address === undefined || !Number.isSafeInteger(address)) {
    throw new ImageError('no-phram', `${device.name} has no phram address: set one with the phram module (address: '0x...')`);
  }
  return address;
}

function phramRegion(device: Device, system: System, rootfsSize: number): PhramRegion {
  return phramRegionFor(rootfsSize, phramAddress(device, system), device.ramSize, system.phram?.sizeMiB);
}

function buildManifest(
  system: System,
  device: Device,
  sources: Sources,
  fetched: Fetched,
  b: { cmdline: string[]; cmdlines: Record<string, string>; vmlinuxInfo: BlobInfo; kernelImage?: Uint8Array; dtb?: Uint8Array; rootfs: Uint8Array; files: OutputFile[] },
): Manifest {
  const outputs: Record<string, OutputFile[]> = {};
  for (const f of b.files) (outputs[f.file.split(/[/.]/)[0]!] ??= []).push(f);
  return {
    version: 1,
    device: device.name,
    hostname: system.hostname,
    cmdline: b.cmdline.join(' '),
    cmdlines: b.cmdlines,
    kernel: {
      package: system.kernelPackage ?? device.kernelPackage,
      storePath: sources.kernel,
      load: `0x${device.loadAddress.toString(16)}`,
      entry: device.entryAddress === 'elf' ? 'elf' : `0x${device.entryAddress.toString(16)}`,
      vmlinux: b.vmlinuxInfo,
      ...(b.kernelImage ? { image: blobInfo(b.kernelImage) } : {}),
    },
    ...(b.dtb ? { dtb: blobInfo(b.dtb) } : {}),
    rootfs: { ...blobInfo(b.rootfs), compression: system.outputs.compression, blockSize: 131072 },
    packages: Object.fromEntries(system.packages.map((p) => [p.name, p.storePath])),
    storePaths: [...fetched.rootfs.keys()],
    outputs,
  };
}
