/**
 * Runs a target's mutants in a worker thread, one input at a time, with a time limit per
 * input (the worker is terminated and replaced on a hang), a heap limit (resourceLimits) and
 * the process RSS sampled while each input runs. Crashers (untyped errors, hangs, inputs that
 * exhaust memory) are deduplicated by where they broke and minimised by delta reduction.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { memoryUsage } from 'node:process';
import { Prng, mutate, mutateJson } from './mutate.js';
import type { FuzzTarget, Outcome, TargetName } from './target.js';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

export interface ExecResult {
  outcome: Outcome | { kind: 'hang' } | { kind: 'memory'; detail: string };
  /** Highest process RSS seen while the input ran, in bytes. */
  rss: number;
  heap: number;
}

export interface LimitOptions {
  /** Per input, in ms. */
  timeoutMs: number;
  /** Heap limit of the worker, and the most RSS an input may add, in MiB. */
  memMb: number;
}

const WORKER = new URL('./worker.mjs', import.meta.url);

/** A worker for one target, replaced whenever an input kills or hangs it. */
export class TargetWorker {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 0;
  readonly baselineRss = memoryUsage.rss();

  /** `file`: the target module (default targets/<target>.ts); the harness tests pass their own. */
  constructor(
    readonly target: TargetName,
    readonly limits: LimitOptions,
    readonly file: string = targetFile(target),
  ) {}

  private spawn(): Promise<void> {
    const w = new Worker(WORKER, {
      workerData: { file: pathToFileURL(this.file).href },
      execArgv: [],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: this.limits.memMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    // Parsers do not print; whatever a dependency prints is not ours to show.
    w.stdout.resume();
    w.stderr.resume();
    this.worker = w;
    this.ready = new Promise((resolve, reject) => {
      const onMsg = (m: { ready?: boolean }) => {
        if (!m.ready) return;
        w.off('message', onMsg);
        w.off('error', reject);
        resolve();
      };
      w.on('message', onMsg);
      w.once('error', reject);
    });
    return this.ready;
  }

  async exec(bytes: Uint8Array): Promise<ExecResult> {
    if (!this.worker) await this.spawn();
    else await this.ready;
    const w = this.worker!;
    const id = this.nextId++;
    let rss = memoryUsage.rss();
    const hardCap = this.baselineRss + 2 * this.limits.memMb * 2 ** 20;
    return await new Promise<ExecResult>((resolve) => {
      let done = false;
      const finish = (r: Omit<ExecResult, 'rss'>, kill: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(sampler);
        w.off('message', onMsg);
        w.off('error', onError);
        w.off('exit', onExit);
        if (kill) {
          this.worker = undefined;
          void w.terminate();
        }
        resolve({ ...r, rss: Math.max(rss, memoryUsage.rss()) });
      };
      const onMsg = (m: { id?: number; outcome?: Outcome; heap?: number }) => {
        if (m.id === id && m.outcome) finish({ outcome: m.outcome, heap: m.heap ?? 0 }, false);
      };
      const onError = (err: Error & { code?: string }) =>
        finish({ outcome: { kind: 'memory', detail: `${err.code ?? err.name}: ${err.message}` }, heap: 0 }, true);
      const onExit = (code: number) => finish({ outcome: { kind: 'memory', detail: `worker exited with code ${code}` }, heap: 0 }, true);
      const timer = setTimeout(() => finish({ outcome: { kind: 'hang' }, heap: 0 }, true), this.limits.timeoutMs);
      const sampler = setInterval(() => {
        rss = Math.max(rss, memoryUsage.rss());
        if (rss > hardCap) finish({ outcome: { kind: 'memory', detail: `RSS ${mib(rss)} MiB` }, heap: 0 }, true);
      }, 10);
      w.on('message', onMsg);
      w.once('error', onError);
      w.once('exit', onExit);
      w.postMessage({ id, bytes });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}

export const mib = (n: number) => Math.round(n / 2 ** 20);

export type CrashKind = 'untyped' | 'hang' | 'memory';

export interface Crash {
  kind: CrashKind;
  /** Where it broke: error name and first project stack frame, or 'hang' / 'memory'. */
  signature: string;
  detail: string;
  iteration: number;
  input: Uint8Array;
  /** How many inputs hit the same signature. */
  count: number;
}

export interface TargetStats {
  target: TargetName;
  seeds: number;
  iterations: number;
  ok: number;
  typed: number;
  untyped: number;
  hangs: number;
  overMemory: number;
  maxRssMb: number;
  maxHeapMb: number;
  seconds: number;
  codes: Record<string, number>;
  crashes: Crash[];
  /** Seeds that did not parse (each should: a seed that fails only tests the first check). */
  seedFailures: string[];
}

export interface FuzzOptions extends LimitOptions {
  iterations: number;
  /** Stop a target after this many seconds even if iterations remain. */
  seconds?: number;
  seed: number;
  /** Delta-reduce untyped crashers (at most this many re-runs each; 0: off). */
  minimizeBudget: number;
  onProgress?: (s: TargetStats) => void;
}

/** Iteration i of a target gets its own PRNG, so any one mutant can be rebuilt on its own. */
export function iterationPrng(seed: number, target: string, i: number): Prng {
  const h = createHash('sha256').update(`${seed}:${target}:${i}`).digest();
  return new Prng(h.readUInt32LE(0));
}

export function targetFile(name: TargetName): string {
  return join(import.meta.dirname, 'targets', `${name}.ts`);
}

export async function loadTarget(name: TargetName): Promise<FuzzTarget> {
  const mod = (await import(pathToFileURL(targetFile(name)).href)) as { default: FuzzTarget };
  return mod.default;
}

function signatureOf(r: ExecResult): { kind: CrashKind; signature: string; detail: string } | undefined {
  const o = r.outcome;
  if (o.kind === 'untyped') {
    // Line numbers stay (one site, one bug); columns and the absolute checkout path go.
    const frame = o.frame.replace(/^.*?(src\/|scripts\/|node_modules\/)/, '$1').replace(/:\d+\)?$/, '');
    return { kind: 'untyped', signature: `${o.name} @ ${frame}`, detail: `${o.name}: ${o.message}` };
  }
  if (o.kind === 'hang') return { kind: 'hang', signature: 'hang', detail: 'no answer within the time limit' };
  if (o.kind === 'memory') return { kind: 'memory', signature: 'memory', detail: o.detail };
  return undefined;
}

export async function fuzzTarget(name: TargetName, opts: FuzzOptions): Promise<TargetStats> {
  const target = await loadTarget(name);
  // Plain Uint8Array copies: a Buffer seed's slice() is a view, and a mutation would write through it.
  const seeds = (await target.seeds()).map((s) => new Uint8Array(s));
  const dictionary = (target.dictionary ?? []).map((w) => new TextEncoder().encode(w));
  if (seeds.length === 0) throw new Error(`fuzz target ${name} has no seeds`);
  const w = new TargetWorker(name, opts);
  const stats: TargetStats = {
    target: name, seeds: seeds.length, iterations: 0, ok: 0, typed: 0, untyped: 0, hangs: 0, overMemory: 0,
    maxRssMb: 0, maxHeapMb: 0, seconds: 0, codes: {}, crashes: [], seedFailures: [],
  };
  const started = performance.now();
  const limitBytes = opts.memMb * 2 ** 20;
  const bySig = new Map<string, Crash>();
  try {
    // The seeds themselves first (they should all parse), then mutants.
    const total = seeds.length + opts.iterations;
    for (let i = 0; i < total; i++) {
      if (opts.seconds !== undefined && performance.now() - started > opts.seconds * 1000) break;
      const input = i < seeds.length ? seeds[i]! : mutateFor(seeds, opts.seed, name, i - seeds.length, dictionary, target.json === true);
      const r = await w.exec(input);
      stats.iterations++;
      stats.maxRssMb = Math.max(stats.maxRssMb, mib(r.rss));
      stats.maxHeapMb = Math.max(stats.maxHeapMb, mib(r.heap));
      let crash = signatureOf(r);
      if (!crash && r.rss - w.baselineRss > limitBytes) {
        crash = { kind: 'memory', signature: 'memory', detail: `RSS grew ${mib(r.rss - w.baselineRss)} MiB` };
      }
      if (i < seeds.length && r.outcome.kind !== 'ok') stats.seedFailures.push(`seed ${i}: ${JSON.stringify(r.outcome)}`);
      if (r.outcome.kind === 'ok') stats.ok++;
      else if (r.outcome.kind === 'typed') {
        stats.typed++;
        stats.codes[r.outcome.code] = (stats.codes[r.outcome.code] ?? 0) + 1;
      }
      if (crash) {
        if (crash.kind === 'untyped') stats.untyped++;
        else if (crash.kind === 'hang') stats.hangs++;
        else stats.overMemory++;
        const seen = bySig.get(crash.signature);
        if (seen) seen.count++;
        else {
          let small = input;
          if (crash.kind === 'untyped' && opts.minimizeBudget > 0) {
            const sig = crash.signature;
            small = await minimize(input, opts.minimizeBudget, async (c) => signatureOf(await w.exec(c))?.signature === sig);
          }
          const c: Crash = { ...crash, iteration: i - seeds.length, input: small, count: 1 };
          bySig.set(crash.signature, c);
          stats.crashes.push(c);
        }
      }
      if (opts.onProgress && stats.iterations % 1000 === 0) {
        stats.seconds = (performance.now() - started) / 1000;
        opts.onProgress(stats);
      }
    }
  } finally {
    await w.close();
  }
  stats.seconds = (performance.now() - started) / 1000;
  return stats;
}

export function mutateFor(
  seeds: readonly Uint8Array[], seed: number, name: string, i: number, dictionary: readonly Uint8Array[] = [], json = false,
): Uint8Array {
  const r = iterationPrng(seed, name, i);
  const from = r.pick(seeds);
  // JSON inputs: half the mutants are structural (past JSON.parse), half byte-level.
  if (json && r.below(2) === 0) {
    const m = mutateJson(from, r);
    if (m) return m;
  }
  return mutate(from, seeds, r, dictionary);
}

/**
 * Delta reduction: drop chunks (halves, quarters, ... single bytes) while the input still
 * fails the same way; at most `budget` re-runs.
 */
export async function minimize(input: Uint8Array, budget: number, fails: (b: Uint8Array) => Promise<boolean>): Promise<Uint8Array> {
  let cur = input;
  let runs = 0;
  for (let chunk = Math.max(1, cur.length >> 1); chunk >= 1 && runs < budget; chunk = chunk === 1 ? 0 : Math.max(1, chunk >> 1)) {
    for (let at = 0; at < cur.length && runs < budget; ) {
      const cand = new Uint8Array(cur.length - Math.min(chunk, cur.length - at));
      cand.set(cur.subarray(0, at));
      cand.set(cur.subarray(at + chunk), at);
      runs++;
      if (await fails(cand)) cur = cand;
      else at += chunk;
    }
  }
  return cur;
}

export function crasherName(input: Uint8Array): string {
  return `${createHash('sha256').update(input).digest('hex').slice(0, 12)}.bin`;
}
