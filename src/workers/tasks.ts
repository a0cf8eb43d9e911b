/**
 * The registry of CPU-heavy, pure tasks that may run in worker threads.
 * Each area adds its tasks here (compression only: see docs/architecture.md "Threads").
 * A task takes plain data and returns plain data; Uint8Arrays whose buffers are listed
 * in `transfer` are moved, not copied.
 */
import type { LzmaEncodeOptions } from '../kernel/lzma/index.js';

import { squashfsCompressTask } from '../squashfs/task.js';
export interface TaskResult<T> {
  value: T;
  /** Buffers to move back to the caller instead of copying. */
  transfer?: ArrayBuffer[];
}

// Each task: (input) => result. Keep this map the single source of task names.
export const tasks = {
  'squashfs.compress': squashfsCompressTask,
  /** Used by the pool's own tests: sums bytes and returns them reversed. */
  'selftest.reverse': (input: { data: Uint8Array }): TaskResult<{ data: Uint8Array; sum: number }> => {
    const out = new Uint8Array(input.data.length);
    let sum = 0;
    for (let i = 0; i < input.data.length; i++) {
      out[i] = input.data[input.data.length - 1 - i]!;
      sum += input.data[i]!;
    }
    return { value: { data: out, sum }, transfer: [out.buffer as ArrayBuffer] };
  },
  /** LZMA "alone" compression of a kernel image (src/kernel/lzma). */
  'lzma.encode': async (input: { data: Uint8Array; opts?: LzmaEncodeOptions }): Promise<TaskResult<{ data: Uint8Array }>> => {
    // Loaded on first use: the encoder is 13 modules the main thread of an emulator build never needs.
    const { encodeLzmaAlone } = await import('../kernel/lzma/index.js');
    const out = encodeLzmaAlone(input.data, input.opts);
    return { value: { data: out }, transfer: [out.buffer as ArrayBuffer] };
  },
} satisfies Record<string, (input: never) => TaskResult<unknown> | Promise<TaskResult<unknown>>>;

export type TaskName = keyof typeof tasks;
export type TaskInput<K extends TaskName> = Parameters<(typeof tasks)[K]>[0];
export type TaskOutput<K extends TaskName> = Awaited<ReturnType<(typeof tasks)[K]>>['value'];
