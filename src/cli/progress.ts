/**
 * Progress bars on a terminal: one line per bar, redrawn in place at most every `intervalMs`
 * (ANSI: cursor to the start of the first bar line, clear each line). Nothing is made for a
 * stream that is not a TTY, or when output is machine-read (--json): see `progressFor`.
 */
import type { FetchProgress } from '../nix/closure.js';

/** The part of a tty.WriteStream used here (tests pass a fake). */
export interface TtyLike {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

interface Bar {
  done: number;
  total: number;
  detail: string;
}

export class ProgressBars {
  private readonly bars = new Map<string, Bar>();
  private drawn = 0;
  private last = Number.NEGATIVE_INFINITY;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly stream: TtyLike,
    opts: { intervalMs?: number; now?: () => number } = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 100;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Set a bar (added below the others the first time) and redraw if the interval has passed. */
  set(label: string, done: number, total: number, detail = ''): void {
    this.bars.set(label, { done, total, detail });
    this.draw(false);
  }

  /** A line above the bars (a retry, a warning); the bars are drawn again below it. */
  note(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
    this.draw(true);
  }

  /** Draw the final state; the bars stay on the screen. */
  finish(): void {
    if (this.bars.size > 0) this.draw(true);
  }

  private clear(): void {
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private draw(force: boolean): void {
    const t = this.now();
    if (!force && t - this.last < this.intervalMs) return;
    this.last = t;
    const labelWidth = Math.max(...[...this.bars.keys()].map((l) => l.length));
    const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - labelWidth - 40));
    let out = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    for (const [label, b] of this.bars) out += `\x1b[2K${formatBar(label.padEnd(labelWidth), b, width)}\n`;
    this.stream.write(out);
    this.drawn = this.bars.size;
  }
}

function formatBar(label: string, b: Bar, width: number): string {
  const frac = b.total > 0 ? Math.min(1, b.done / b.total) : 1;
  const full = Math.round(frac * width);
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  return `${label} [${'#'.repeat(full)}${'-'.repeat(width - full)}] ${pct}${b.detail ? `  ${b.detail}` : ''}`;
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
