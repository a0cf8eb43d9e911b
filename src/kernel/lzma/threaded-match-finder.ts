/**
 * The parser's side of the match ring: same interface as BinTreeMatchFinder, fed by a
 * worker thread. The results are those of the in-thread finder at every position, so the
 * output bytes do not depend on whether a thread was used.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../../util/package-root.js';
import type { MatchSource } from './match-finder.js';
import { MATCH_LEN_MAX } from './model.js';
import {
  CTRL_FAILED,
  CTRL_INTS,
  CTRL_READ,
  CTRL_STARTED,
  CTRL_WRITE,
  PUBLISH_EVERY,
  RING_INTS,
  type MatchFinderJob,
} from './match-ring.js';

const START_TIMEOUT_MS = 30_000;

function workerFile(): string {
  return join(packageRoot(), 'dist', 'src', 'kernel', 'lzma', 'match-worker.js');
}

/** The worker runs compiled code from dist/ (built by `npm ci` / `npm test`). */
export function matchWorkerAvailable(): boolean {
  return existsSync(workerFile());
}

export class ThreadedMatchFinder implements MatchSource {
  pos = 0;
  readonly matches = new Int32Array(2 * (MATCH_LEN_MAX + 1));
  private readonly ring: Int32Array;
  private readonly mask: number;
  private readonly every: number;
  private readonly ctrl: Int32Array;
  private readonly worker: Worker;
  private r = 0;
  private w = 0;
  private published = 0;

  private constructor(job: MatchFinderJob) {
    this.ring = new Int32Array(job.ring);
    this.mask = job.ringInts - 1;
    this.every = Math.min(PUBLISH_EVERY, job.ringInts >>> 2);
    this.ctrl = new Int32Array(job.ctrl);
    this.worker = new Worker(workerFile(), { workerData: job });
    this.worker.unref();
  }

  /** Starts the worker and waits until it runs; undefined if it does not start. */
  static start(
    data: Uint8Array,
    dictSize: number,
    niceLen: number,
    cutValue: number,
    ringInts = RING_INTS,
  ): ThreadedMatchFinder | undefined {
    const shared = new SharedArrayBuffer(Math.max(1, data.length));
    new Uint8Array(shared).set(data);
    const job: MatchFinderJob = {
      data: shared,
      length: data.length,
      ring: new SharedArrayBuffer(ringInts * 4),
      ringInts,
      ctrl: new SharedArrayBuffer(CTRL_INTS * 4),
      dictSize,
      niceLen,
      cutValue,
    };
    const mf = new ThreadedMatchFinder(job);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Atomics.load(mf.ctrl, CTRL_STARTED) === 0 && Atomics.load(mf.ctrl, CTRL_FAILED) === 0) {
      if (Date.now() > deadline) break;
      Atomics.wait(mf.ctrl, CTRL_WRITE, 0, 50);
    }
    if (Atomics.load(mf.ctrl, CTRL_STARTED) === 0 || Atomics.load(mf.ctrl, CTRL_FAILED) !== 0) {
      void mf.worker.terminate();
      return undefined;
    }
    return mf;
  }

  private waitFor(): void {
    Atomics.store(this.ctrl, CTRL_READ, this.r);
    Atomics.notify(this.ctrl, CTRL_READ);
    this.published = this.r;
    for (;;) {
      this.w = Atomics.load(this.ctrl, CTRL_WRITE);
      if (this.w !== this.r) return;
      if (Atomics.load(this.ctrl, CTRL_FAILED) !== 0) throw new Error('lzma: match finder thread failed');
      Atomics.wait(this.ctrl, CTRL_WRITE, this.r, 1000);
    }
  }

  private consumed(): void {
    if (((this.r - this.published) | 0) >= this.every) {
      Atomics.store(this.ctrl, CTRL_READ, this.r);
      Atomics.notify(this.ctrl, CTRL_READ);
      this.published = this.r;
    }
  }

  find(): number {
    if (this.w === this.r) this.waitFor();
    const ring = this.ring;
    const mask = this.mask;
    const r = this.r;
    const count = ring[r & mask]!;
    const m = this.matches;
    for (let i = 0; i < 2 * count; i++) m[i] = ring[(r + 1 + i) & mask]!;
    this.r = (r + 1 + 2 * count) | 0;
    this.pos++;
    this.consumed();
    return count;
  }

  skip(count: number): void {
    while (count-- > 0) {
      if (this.w === this.r) this.waitFor();
      this.r = (this.r + 1 + 2 * this.ring[this.r & this.mask]!) | 0;
      this.pos++;
      this.consumed();
    }
  }

  close(): void {
    void this.worker.terminate();
  }
}
