/** The worker task for squashfs data and fragment blocks (registered in workers/tasks.ts). */
import { compressBlock, type CompressorSettings } from './compressor.js';

export interface CompressTaskResult {
  /** Compressed bytes, or the input itself when compression did not shrink it. */
  data: Uint8Array;
  compressed: boolean;
}

/** Own the buffer exactly, so it can be transferred without moving a shared pool slab. */
function owned(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}

export function squashfsCompressTask(input: { settings: CompressorSettings; data: Uint8Array; blockSize: number }): {
  value: CompressTaskResult;
  transfer: ArrayBuffer[];
} {
  const c = compressBlock(input.settings, input.data, false, input.blockSize);
  const data = owned(c ?? input.data);
  return { value: { data, compressed: c !== null }, transfer: [data.buffer as ArrayBuffer] };
}
