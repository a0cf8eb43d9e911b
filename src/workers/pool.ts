/**
 * A pool for the compression hot path: piscina worker threads, or the same thread
 * (`threads: 0`). Both modes must give identical results; tests compare them.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../util/package-root.js';
import { tasks, type TaskInput, type TaskName, type TaskOutput } from './tasks.js';

export interface TaskPool {
  /** Number of worker threads; 0 means tasks run on the calling thread. */
  readonly threads: number;
  run<K extends TaskName>(name: K, input: TaskInput<K>, transfer?: ArrayBuffer[]): Promise<TaskOutput<K>>;
  close(): Promise<void>;
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Worker code always runs from dist/ (compiled by `npm ci` / `npm test`), also under vitest.
 * The entry is CommonJS (see entry.cts): piscina require()s it.
 */
function workerFile(): string {
  return pathToFileURL(join(packageRoot(), 'dist', 'src', 'workers', 'entry.cjs')).href;
}

export interface PoolOptions {
  /** Worker threads (default: the machine's parallelism); 0 runs every task on the calling thread. */
  threads?: number;
  /**
   * Run the first N tasks on the calling thread; the threads start only at task N + 1. An
   * incremental build that recompresses one or two blocks then never pays for starting workers.
   */
  inlineFirst?: number;
  /** Called once when the worker threads start (for tests and --timings). */
  onStart?: () => void;
}

/**
 * A pool whose threads (and piscina itself) start on first use, so a build where every block
 * comes from the cache starts none.
 */
/** Largest task input (transferred bytes) that inlineFirst may run on the calling thread. */
export const INLINE_MAX_BYTES = 1 << 20;

function transferBytes(transfer: readonly ArrayBuffer[] | undefined): number {
  let n = 0;
  for (const b of transfer ?? []) n += b.byteLength;
  return n;
}

export function createPool(opts: PoolOptions = {}): TaskPool {
  const threads = opts.threads ?? defaultThreads();
  const inline = inlinePool();
  if (threads <= 0) return inline;
  let inlineLeft = opts.inlineFirst ?? 0;
  let started: Promise<import('piscina').Piscina> | undefined;
  const start = () => {
    started ??= import('piscina').then(({ Piscina }) => {
      opts.onStart?.();
      return new Piscina({
        filename: workerFile(),
        minThreads: threads,
        maxThreads: threads,
        // Keep every worker busy with a small backlog; callers bound what they submit.
        concurrentTasksPerWorker: 1,
        idleTimeout: 1000,
      });
    });
    return started;
  };
  return {
    threads,
    async run(name, input, transfer) {
      // Only small tasks (a block or two) run inline: a kernel's LZMA there would hold the
      // calling thread for seconds to minutes, stalling every other stage and progress output.
      if (inlineLeft > 0 && started === undefined && transferBytes(transfer) <= INLINE_MAX_BYTES) {
        inlineLeft--;
        return inline.run(name, input);
      }
      const piscina = await start();
      const res = (await piscina.run({ name, input }, { transferList: transfer })) as { value: unknown };
      return res.value as TaskOutput<typeof name>;
    },
    async close() {
      if (started) await (await started).destroy();
    },
  };
}

function inlinePool(): TaskPool {
  return {
    threads: 0,
    async run(name, input) {
      const fn = tasks[name] as (i: unknown) => ReturnType<(typeof tasks)[TaskName]>;
      return (await fn(input)).value as TaskOutput<typeof name>;
    },
    close: async () => undefined,
  };
}
