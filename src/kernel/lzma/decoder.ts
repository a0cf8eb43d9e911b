/**
 * Our own .lzma ("alone") decoder: for `nixwrt inspect`, for tests, and as a strict checker
 * of what the encoder writes. Every read is bounds-checked; a forged size never allocates
 * more than the data actually decoded (the output grows by doubling).
 */
import { LzmaError } from './errors.js';
import { HEADER_SIZE, readHeader, type LzmaHeader } from './header.js';
import {
  ALIGN,
  ALIGN_BITS,
  END_POS_MODEL_INDEX,
  IS_MATCH,
  IS_REP,
  IS_REP0_LONG,
  IS_REP_G0,
  IS_REP_G1,
  IS_REP_G2,
  LEN_CHOICE,
  LEN_CHOICE2,
  LEN_CODER,
  LEN_HIGH,
  LEN_LOW,
  LEN_MID,
  LITERAL,
  POS_SLOT,
  REP_LEN_CODER,
  SPEC_POS,
  lenState,
  newProbs,
  nextAfterLiteral,
  nextAfterMatch,
  nextAfterRep,
  nextAfterShortRep,
} from './model.js';
import { RangeDecoder } from './range-decoder.js';

export interface DecodeOptions {
  /** Refuse streams announcing or producing more than this many bytes (default 1 GiB). */
  maxSize?: number;
  /**
   * Strict: the range decoder must end exactly at the last byte with a zero code, and
   * nothing but an end marker may follow the announced size. Default true.
   */
  strict?: boolean;
}

export interface DecodeResult {
  data: Uint8Array;
  header: LzmaHeader;
  /** Whether an end-of-payload marker was present. */
  endMarker: boolean;
  /** Bytes of input the decoder consumed (header included). */
  consumed: number;
  /** Whether the range decoder's code was 0 after the last symbol (a clean flush). */
  cleanEnd: boolean;
}

const END_MARKER_DIST = 0xffffffff;

export function decodeLzmaAloneDetailed(bytes: Uint8Array, opts: DecodeOptions = {}): DecodeResult {
  const maxSize = opts.maxSize ?? 1024 * 1024 * 1024;
  const strict = opts.strict ?? true;
  const header = readHeader(bytes);
  const { lc, lp, pb, dictSize } = header;
  if (header.size !== undefined && header.size > BigInt(maxSize)) {
    throw new LzmaError('too-large', `lzma: header announces ${header.size} bytes, more than the limit of ${maxSize}`);
  }
  const limit = header.size === undefined ? maxSize : Number(header.size);
  if (limit === 0 && bytes.length === HEADER_SIZE) {
    return { data: new Uint8Array(0), header, endMarker: false, consumed: HEADER_SIZE, cleanEnd: true };
  }
  const rc = new RangeDecoder(bytes, HEADER_SIZE, bytes.length);
  const probs = newProbs(lc, lp);
  const pbMask = (1 << pb) - 1;
  const lpMask = (1 << lp) - 1;
  let out = new Uint8Array(Math.min(limit, Math.max(1 << 16, bytes.length * 4)));
  let n = 0;
  let state = 0;
  let rep0 = 0;
  let rep1 = 0;
  let rep2 = 0;
  let rep3 = 0;
  let endMarker = false;

  const grow = (need: number): void => {
    if (need <= out.length) return;
    if (need > limit) {
      throw new LzmaError(
        header.size === undefined ? 'too-large' : 'corrupt',
        `lzma: data runs past ${header.size === undefined ? 'the size limit' : 'the announced size'} ${limit} at byte ${n}`,
      );
    }
    const bigger = new Uint8Array(Math.min(limit, Math.max(need, out.length * 2)));
    bigger.set(out.subarray(0, n));
    out = bigger;
  };

  const decodeLen = (base: number, posState: number): number => {
    if (rc.bit(probs, base + LEN_CHOICE) === 0) return 2 + rc.tree(probs, base + LEN_LOW + posState * 8, 3);
    if (rc.bit(probs, base + LEN_CHOICE2) === 0) return 10 + rc.tree(probs, base + LEN_MID + posState * 8, 3);
    return 18 + rc.tree(probs, base + LEN_HIGH, 8);
  };

  const decodeDist = (len: number): number => {
    const slot = rc.tree(probs, POS_SLOT + lenState(len) * 64, 6);
    if (slot < 4) return slot;
    const nd = (slot >>> 1) - 1;
    let dist = (2 | (slot & 1)) * 2 ** nd;
    if (slot < END_POS_MODEL_INDEX) return dist + rc.reverseTree(probs, SPEC_POS + dist - slot, nd);
    dist += rc.direct(nd - ALIGN_BITS) * (1 << ALIGN_BITS);
    return dist + rc.reverseTree(probs, ALIGN, ALIGN_BITS);
  };

  // One symbol; returns false on an end marker.
  const step = (): boolean => {
    const posState = n & pbMask;
    if (rc.bit(probs, IS_MATCH + (state << 4) + posState) === 0) {
      const prev = n > 0 ? out[n - 1]! : 0;
      const base = LITERAL + 0x300 * (((n & lpMask) << lc) + (prev >>> (8 - lc)));
      let sym = 1;
      if (state >= 7) {
        let match = out[n - rep0 - 1]!;
        do {
          const mb = (match >>> 7) & 1;
          match <<= 1;
          const b = rc.bit(probs, base + ((1 + mb) << 8) + sym);
          sym = (sym << 1) | b;
          if (mb !== b) break;
        } while (sym < 0x100);
      }
      while (sym < 0x100) sym = (sym << 1) | rc.bit(probs, base + sym);
      grow(n + 1);
      out[n++] = sym & 0xff;
      state = nextAfterLiteral(state);
      return true;
    }
    let len: number;
    if (rc.bit(probs, IS_REP + state) === 0) {
      len = decodeLen(LEN_CODER, posState);
      const dist = decodeDist(len);
      if (dist === END_MARKER_DIST) return false;
      rep3 = rep2;
      rep2 = rep1;
      rep1 = rep0;
      rep0 = dist;
      state = nextAfterMatch(state);
    } else {
      if (n === 0) throw new LzmaError('corrupt', 'lzma: repeated match before any data');
      if (rc.bit(probs, IS_REP_G0 + state) === 0) {
        if (rc.bit(probs, IS_REP0_LONG + (state << 4) + posState) === 0) {
          grow(n + 1);
          out[n] = out[n - rep0 - 1]!;
          n++;
          state = nextAfterShortRep(state);
          return true;
        }
      } else {
        let dist: number;
        if (rc.bit(probs, IS_REP_G1 + state) === 0) {
          dist = rep1;
        } else {
          if (rc.bit(probs, IS_REP_G2 + state) === 0) {
            dist = rep2;
          } else {
            dist = rep3;
            rep3 = rep2;
          }
          rep2 = rep1;
        }
        rep1 = rep0;
        rep0 = dist;
      }
      len = decodeLen(REP_LEN_CODER, posState);
      state = nextAfterRep(state);
    }
    if (rep0 >= n || rep0 >= dictSize) {
      throw new LzmaError('corrupt', `lzma: match distance ${rep0 + 1} at byte ${n} reaches before the data or the dictionary`);
    }
    grow(n + len);
    for (let src = n - rep0 - 1, end = n + len; n < end; ) out[n++] = out[src++]!;
    return true;
  };

  while (n < limit || header.size === undefined) {
    if (!step()) {
      endMarker = true;
      break;
    }
  }
  if (!endMarker && header.size === undefined) {
    throw new LzmaError('too-large', `lzma: no end marker within the size limit of ${limit} bytes`);
  }
  // Known size reached: an end marker may still follow (the format allows it).
  if (!endMarker && (rc.code !== 0 || rc.pos !== bytes.length)) {
    const before = { code: rc.code, pos: rc.pos };
    let marker = false;
    try {
      marker = !step();
    } catch {
      marker = false;
    }
    if (marker) endMarker = true;
    else if (strict) {
      throw new LzmaError(
        'trailing-data',
        `lzma: ${bytes.length - before.pos} byte(s) after the last symbol${before.code !== 0 ? ' and an unfinished range coder' : ''}`,
      );
    } else {
      rc.code = before.code;
      rc.pos = before.pos;
    }
  }
  if (strict && (rc.code !== 0 || rc.pos !== bytes.length)) {
    throw new LzmaError('trailing-data', `lzma: range decoder ended at byte ${rc.pos} of ${bytes.length} with code ${rc.code}`);
  }
  return { data: out.subarray(0, n), header, endMarker, consumed: rc.pos, cleanEnd: rc.code === 0 };
}

export function decodeLzmaAlone(bytes: Uint8Array, opts: DecodeOptions = {}): Uint8Array {
  return decodeLzmaAloneDetailed(bytes, opts).data;
}
