/**
 * Progress bars on a terminal, drawn by cli-progress (a MultiBar: one line per bar, redrawn
 * in place at most every `intervalMs`). Nothing is made for a stream that is not a TTY, or
 * when output is machine-read (--json): see `progressFor`. `finish()` must follow (its redraw
 * timer keeps the process alive until then).
 */
import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import type { FetchProgress } from '../nix/closure.js';

// Loaded on a terminal only: it costs ~15 ms of start-up that a piped or --json run never uses.
const load = () => createRequire(import.meta.url)('cli-progress') as typeof cliProgress;

/** The part of a tty.WriteStream used here (tests pass a fake). */
export interface TtyLike {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

export class ProgressBars {
  private readonly multi: cliProgress.MultiBar;
  private readonly bars = new Map<string, { bar: cliProgress.SingleBar; detail: string }>();
  private finished = false;

  constructor(
    private readonly stream: TtyLike,
    opts: { intervalMs?: number } = {},
  ) {
    this.multi = new (load().MultiBar)({
      // cli-progress types ask for a whole stream; it only writes and reads isTTY/columns.
      stream: stream as unknown as NodeJS.WritableStream,
      format: '{label} [{bar}] {percentage}%{detail}',
      barsize: 30,
      barCompleteChar: '#',
      barIncompleteChar: '-',
      fps: 1000 / Math.max(1, opts.intervalMs ?? 100),
      autopadding: true,
      clearOnComplete: false,
      hideCursor: false,
      gracefulExit: false,
    });
  }

  /** Set a bar (added below the others the first time); drawn on the next redraw. */
  set(label: string, done: number, total: number, detail = ''): void {
    if (this.finished) return;
    let b = this.bars.get(label);
    if (!b) {
      b = { bar: this.multi.create(Math.max(total, 1), 0, { label, detail: '' }), detail };
      this.bars.set(label, b);
      this.alignLabels();
    }
    b.detail = detail ? `  ${detail}` : '';
    // A total of 0 (nothing to do) shows as done.
    b.bar.setTotal(Math.max(total, 1));
    b.bar.update(total > 0 ? Math.min(done, total) : 1, { detail: b.detail });
  }

  /** A line above the bars (a retry, a warning), printed with the next redraw. */
  note(text: string): void {
    if (this.finished || this.bars.size === 0) this.stream.write(`${text}\n`);
    else this.multi.log(`${text}\n`);
  }

  /** Draw the final state (and pending notes) and stop redrawing; the bars stay on the screen. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.bars.size === 0) return;
    this.multi.update();
    this.multi.stop();
  }

  /** Labels padded to the longest, so the bars line up. */
  private alignLabels(): void {
    const width = Math.max(...[...this.bars.keys()].map((l) => l.length));
    for (const [label, b] of this.bars) b.bar.update({ label: label.padEnd(width) });
  }
}

/** Bars on `stream` when it is a terminal and output is for a person; otherwise undefined. */
export function progressFor(stream: TtyLike, opts: { quiet?: boolean } = {}): ProgressBars | undefined {
  return stream.isTTY === true && !opts.quiet ? new ProgressBars(stream) : undefined;
}

export function megabytes(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

/**
 * A `fetchClosure` onProgress that keeps one bar: NAR bytes downloaded of those to download.
 * Paths already in the cache only count in the detail; nothing shows when all were cached.
 */
export function fetchBar(bars: ProgressBars, label = 'fetch'): (e: FetchProgress) => void {
  const want = new Map<string, number>();
  const got = new Map<string, number>();
  let cached = 0;
  return (e) => {
    if (e.type === 'found') want.set(e.storePath, e.narSize);
    else if (e.type === 'bytes') got.set(e.storePath, e.narBytes);
    else if (e.type === 'fetched') got.set(e.storePath, e.narSize);
    else if (e.type === 'cached') cached++;
    else if (e.type === 'retry') return bars.note(`retrying ${e.url} (attempt ${e.attempt}): ${e.error}`);
    else return;
    if (want.size === 0) return;
    const total = sum(want.values());
    const have = sum(got.values());
    bars.set(label, have, total, `${megabytes(have)}/${megabytes(total)} (NAR), ${got.size}/${want.size} paths, ${cached} cached`);
  };
}

function sum(xs: Iterable<number>): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/**
 * A line for the kernel's LZMA encode, which reports no progress of its own (it runs in a worker
 * thread as one task): its size and the seconds it has taken, redrawn every second, then done.
 */
export function kernelLzmaBar(bars: ProgressBars, label = 'kernel', now = () => Date.now()): (e: { phase: 'start' | 'done'; bytes: number }) => void {
  let timer: NodeJS.Timeout | undefined;
  let started = 0;
  const detail = (bytes: number) => `LZMA of ${megabytes(bytes)}, ${Math.round((now() - started) / 1000)} s`;
  return (e) => {
    if (e.phase === 'start') {
      started = now();
      bars.set(label, 0, 1, detail(e.bytes));
      clearInterval(timer);
      timer = setInterval(() => bars.set(label, 0, 1, detail(e.bytes)), 1000);
      timer.unref();
    } else {
      clearInterval(timer);
      bars.set(label, 1, 1, detail(e.bytes));
    }
  };
}
