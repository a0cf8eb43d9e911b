/**
 * A pool for the compression hot path: piscina worker threads, or the same thread
 * (`threads: 0`). Both modes must give identical results; tests compare them.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
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

export function createPool(opts: { threads?: number } = {}): TaskPool {
  const threads = opts.threads ?? defaultThreads();
  if (threads <= 0) return inlinePool();
  const piscina = new Piscina({
    filename: workerFile(),
    minThreads: threads,
    maxThreads: threads,
    // Keep every worker busy with a small backlog; callers bound what they submit.
    concurrentTasksPerWorker: 1,
    idleTimeout: 1000,
  });
  return {
    threads,
    async run(name, input, transfer) {
      const res = (await piscina.run({ name, input }, { transferList: transfer })) as { value: unknown };
      return res.value as TaskOutput<typeof name>;
    },
    close: () => piscina.destroy(),
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
