/**
 * `nixwrt bench CONFIG`: the config built cold (empty cache directory) and warm (same cache,
 * same output directory), and the same inputs through the classic tools (classic.ts), all in
 * one run, with the ratios and the machine's load average.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type BuildOptions, type BuildResult } from '../build.js';
import { loadSystem } from '../config/index.js';
import { getDevice } from '../image/devices.js';
import { readStoreFile } from '../image/store-files.js';
import { fetchClosure } from '../nix/closure.js';
import { runClassic, type ClassicResult } from './classic.js';

export interface BenchOptions extends Omit<BuildOptions, 'outDir' | 'cacheDir'> {
  /** The warm build's config (default: `config` again); bench/pipeline passes a copy with another hostname. */
  warmConfig?: string;
  /**
   * More warm builds after the first, each from its own config (bench/pipeline: further
   * hostnames, so every one is a real change); `warm` is then the median of all of them.
   */
  moreWarmConfigs?: string[];
  /** Scratch directory, kept afterwards (default: a new temp directory, removed at the end). */
  work?: string;
  /** Run the classic tools too (default true). */
  classic?: boolean;
}

export interface TimedBuild {
  ms: number;
  result: BuildResult;
}

export interface BenchResult {
  /** The scratch directory (gone unless it was given as `work`). */
  work: string;
  cold: TimedBuild;
  /** The warm build (the median one when there were several). */
  warm: TimedBuild;
  /** Every warm build, in order. */
  warmRuns: TimedBuild[];
  classic?: ClassicResult;
  ratios: { warmOverCold: number; coldOverClassic?: number; warmOverClassic?: number };
  /** Rootfs image sizes: ours (cold) and mksquashfs's. */
  rootfsBytes: { ours: number; classic?: number };
  machine: { cpus: number; model: string; node: string; loadBefore: number[]; loadAfter: number[] };
}

export async function benchConfig(opts: BenchOptions): Promise<BenchResult> {
  const loadBefore = loadavg();
  const work = opts.work ?? (await mkdtemp(join(tmpdir(), 'nixwrt-bench-')));
  await mkdir(work, { recursive: true });
  try {
    return await benchIn(work, opts, loadBefore);
  } finally {
    if (opts.work === undefined) await rm(work, { recursive: true, force: true });
  }
}

async function benchIn(work: string, opts: BenchOptions, loadBefore: number[]): Promise<BenchResult> {
  const cacheDir = join(work, 'cache');
  const outDir = join(work, 'out');
  const { warmConfig, moreWarmConfigs, work: _w, classic: withClassic, ...buildOpts } = opts;
  const timed = async (config: string): Promise<TimedBuild> => {
    const t = performance.now();
    const result = await build({ ...buildOpts, config, outDir, cacheDir });
    return { ms: performance.now() - t, result };
  };
  const cold = await timed(opts.config);
  // The classic tools' inputs come from the cold build, before the warm one replaces its outputs.
  const inputs = withClassic === false ? undefined : await classicInputs(opts, cold.result, cacheDir, work);
  const warmRuns = [await timed(warmConfig ?? opts.config)];
  for (const c of moreWarmConfigs ?? []) warmRuns.push(await timed(c));
  const warm = [...warmRuns].sort((a, b) => a.ms - b.ms)[Math.floor((warmRuns.length - 1) / 2)]!;
  let classic: ClassicResult | undefined;
  if (inputs) {
    const system = await loadSystem(opts.config, { cacheDir });
    const comp = system.outputs.compression;
    classic = await runClassic({ work: inputs.dir, rootfsImage: inputs.rootfs, vmlinux: inputs.vmlinux, device: system.customDevice ?? getDevice(system.device), comp });
  }
  const cpu = cpus();
  return {
    work,
    cold,
    warm,
    warmRuns,
    classic,
    ratios: {
      warmOverCold: warm.ms / cold.ms,
      ...(classic ? { coldOverClassic: cold.ms / classic.totalMs, warmOverClassic: warm.ms / classic.totalMs } : {}),
    },
    rootfsBytes: { ours: cold.result.manifest.rootfs.size, ...(classic ? { classic: classic.rootfsBytes } : {}) },
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? '?', node: process.version, loadBefore, loadAfter: loadavg() },
  };
}

/** Our cold build's rootfs image and the kernel's vmlinux, as files for the classic tools. */
async function classicInputs(opts: BenchOptions, cold: BuildResult, cacheDir: string, work: string): Promise<{ dir: string; rootfs: string; vmlinux: string }> {
  const dir = join(work, 'classic');
  await mkdir(dir, { recursive: true });
  const rootfs = join(dir, 'ours-rootfs.squashfs');
  const vmlinux = join(dir, 'vmlinux');
  const withRootfs = cold.files.find((f) => f.file === 'emulator/rootfs.squashfs' || f.parts?.some((p) => p.name === 'rootfs'));
  if (!withRootfs) throw new Error(`bench: the build wrote no rootfs image (outputs: ${cold.files.map((f) => f.file).join(', ')})`);
  const bytes = await readFile(join(cold.outDir, withRootfs.file));
  const part = withRootfs.parts?.find((p) => p.name === 'rootfs');
  await writeFile(rootfs, part ? bytes.subarray(part.offset, part.offset + part.size) : bytes);
  // The vmlinux out of the (now cached) kernel store path.
  const system = await loadSystem(opts.config, { cacheDir });
  const kernelPath = cold.manifest.kernel.storePath;
  const fetched = await fetchClosure([kernelPath], {
    substituters: opts.substituters ?? [system.lock.cacheUrl],
    trustedPublicKeys: opts.trustedPublicKeys ?? [system.lock.publicKey],
    cacheDir,
  });
  await writeFile(vmlinux, await readStoreFile(fetched.get(kernelPath)!, 'vmlinux', kernelPath));
  return { dir, rootfs, vmlinux };
}
