/**
 * Fuzz worker: loads one target and runs the inputs the main thread posts, one at a time,
 * answering with the outcome and the heap in use. The main thread enforces the time limit
 * (terminating this thread) and resourceLimits bound the heap.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { NixwrtError } from '../../src/errors.js';
import type { FuzzTarget, Outcome } from './target.js';

const { file } = workerData as { file: string };
const mod = (await import(file)) as { default: FuzzTarget };
const t = mod.default;

function classify(err: unknown): Outcome {
  if (err instanceof NixwrtError && typeof err.code === 'string' && err.code !== '') return { kind: 'typed', code: err.code };
  const e = err instanceof Error ? err : new Error(`non-Error thrown: ${String(err)}`);
  // The first stack frame inside the project names where it broke (for deduplication).
  const frame = (e.stack ?? '').split('\n').find((l) => l.includes('/src/')) ?? (e.stack ?? '').split('\n')[1] ?? '';
  return { kind: 'untyped', name: e.name, message: e.message.slice(0, 300), frame: frame.trim().replace(/^at /, '') };
}

parentPort!.on('message', async (msg: { id: number; bytes: Uint8Array }) => {
  let outcome: Outcome;
  try {
    await t.run(msg.bytes);
    outcome = { kind: 'ok' };
  } catch (err) {
    outcome = classify(err);
  }
  parentPort!.postMessage({ id: msg.id, outcome, heap: getHeapStatistics().used_heap_size });
});
parentPort!.postMessage({ ready: true });
