/**
 * LZMA "alone" (.lzma) streams, as U-Boot and OpenWrt use for kernels: a 13-byte header
 * (props, dictionary size, the real uncompressed size) and range-coded LZMA data with no
 * end marker. The encoder and decoder here are our own; see docs/lzma.md.
 */
import { availableParallelism, loadavg } from 'node:os';
import { LzmaError } from './errors.js';
import { DEFAULT_PROPS, HEADER_SIZE, checkProps, writeHeader, type LzmaProps } from './header.js';
import { parseGreedy } from './greedy.js';
import { BinTreeMatchFinder, type MatchSource } from './match-finder.js';
import { MATCH_LEN_MAX } from './model.js';
import { OptimalParser } from './optimal.js';
import { SymbolEncoder } from './symbols.js';
import { ThreadedMatchFinder, matchWorkerAvailable } from './threaded-match-finder.js';

export { LzmaError, type LzmaErrorCode } from './errors.js';
export { readHeader as readLzmaHeader, propsByte, DEFAULT_PROPS, type LzmaHeader, type LzmaProps } from './header.js';
export { decodeLzmaAlone, decodeLzmaAloneDetailed, type DecodeOptions, type DecodeResult } from './decoder.js';

export interface LzmaEncodeOptions {
  lc?: number;
  lp?: number;
  pb?: number;
  dictSize?: number;
  /** Matches this long are taken without further search (5..273). */
  niceLen?: number;
  /** 'normal' (default): price-based parsing; 'fast': greedy. */
  mode?: 'fast' | 'normal';
  /** Binary-tree search depth (nodes visited per position); default niceLen/2 (8 in fast mode). */
  depth?: number;
  /**
   * Run the match finder in a worker thread ahead of the parser; the output bytes are the
   * same either way. 'auto' (default): for inputs of 1 MiB or more when a core is idle
   * (1-minute load average below cores - 0.5); on a saturated machine the thread only adds
   * overhead (bench/RESULTS.md).
   */
  matchFinderThread?: boolean | 'auto';
}

interface Resolved extends LzmaProps {
  niceLen: number;
  mode: 'fast' | 'normal';
}

function resolve(opts: LzmaEncodeOptions): Resolved {
  const mode = opts.mode ?? 'normal';
  if (mode !== 'fast' && mode !== 'normal') throw new LzmaError('bad-option', `lzma: mode must be 'fast' or 'normal', got ${String(mode)}`);
  const r: Resolved = {
    lc: opts.lc ?? DEFAULT_PROPS.lc,
    lp: opts.lp ?? DEFAULT_PROPS.lp,
    pb: opts.pb ?? DEFAULT_PROPS.pb,
    dictSize: opts.dictSize ?? DEFAULT_PROPS.dictSize,
    niceLen: opts.niceLen ?? (mode === 'fast' ? 32 : 128),
    mode,
  };
  checkProps(r);
  if (!Number.isInteger(r.niceLen) || r.niceLen < 5 || r.niceLen > MATCH_LEN_MAX) {
    throw new LzmaError('bad-option', `lzma: niceLen must be an integer in 5..${MATCH_LEN_MAX}, got ${r.niceLen}`);
  }
  return r;
}

function wantThread(setting: boolean | 'auto', length: number): boolean {
  if (setting !== 'auto') return setting;
  const cores = availableParallelism();
  return length >= 1 << 20 && cores > 1 && loadavg()[0]! < cores - 0.5;
}

/** Compresses `data` into a .lzma stream: real size in the header, no end marker. Pure and deterministic. */
export function encodeLzmaAlone(data: Uint8Array, opts: LzmaEncodeOptions = {}): Uint8Array {
  const o = resolve(opts);
  const header = writeHeader(o, data.length);
  const enc = new SymbolEncoder(data, o.lc, o.lp, o.pb);
  const cut = opts.depth ?? (o.mode === 'fast' ? 8 : Math.max(8, o.niceLen >>> 1));
  if (!Number.isInteger(cut) || cut < 1 || cut > 1 << 16) throw new LzmaError('bad-option', `lzma: depth must be an integer in 1..65536, got ${cut}`);
  const threaded = wantThread(opts.matchFinderThread ?? 'auto', data.length) && matchWorkerAvailable()
    ? ThreadedMatchFinder.start(data, o.dictSize, o.niceLen, cut)
    : undefined;
  const mf: MatchSource = threaded ?? new BinTreeMatchFinder(data, o.dictSize, o.niceLen, cut);
  try {
    if (o.mode === 'fast') parseGreedy(enc, mf, o.niceLen);
    else new OptimalParser(enc, mf, o.niceLen, o.dictSize).run();
  } finally {
    threaded?.close();
  }
  const body = enc.finish();
  const out = new Uint8Array(HEADER_SIZE + body.length);
  out.set(header);
  out.set(body, HEADER_SIZE);
  return out;
}
