/**
 * A single-producer, single-consumer ring of match-finder results in shared memory, so the
 * binary tree can run in its own thread ahead of the parser (as the LZMA SDK does with two
 * threads). Record per position: count, then `count` pairs (length, distance-1).
 * Counters are free-running int32 values; only their difference matters.
 */
export const RING_INTS = 1 << 22;
export const CTRL_WRITE = 0;
export const CTRL_READ = 1;
export const CTRL_STARTED = 2;
export const CTRL_FAILED = 3;
export const CTRL_INTS = 4;
/** Publish progress after this many ints, to keep atomics off the per-position path. */
export const PUBLISH_EVERY = 1 << 14;

export interface MatchFinderJob {
  data: SharedArrayBuffer;
  length: number;
  ring: SharedArrayBuffer;
  /** Power of two, at least 2 * MATCH_LEN_MAX + 1 (one position's record). */
  ringInts: number;
  ctrl: SharedArrayBuffer;
  dictSize: number;
  niceLen: number;
  cutValue: number;
}
