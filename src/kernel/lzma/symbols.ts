/**
 * The symbol layer of the encoder: literals (plain and "matched" after a match), matches,
 * repeated matches and short reps, with the state machine and the four rep distances.
 * Parsers (greedy or optimal) decide what to emit and call these.
 */
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
  distSlot,
  lenState,
  newProbs,
  nextAfterLiteral,
  nextAfterMatch,
  nextAfterRep,
  nextAfterShortRep,
} from './model.js';
import { RangeEncoder } from './range-encoder.js';

export class SymbolEncoder {
  readonly probs: Uint16Array;
  readonly rc: RangeEncoder;
  readonly pbMask: number;
  readonly lpMask: number;
  state = 0;
  /** rep0..rep3 as distance-1. */
  readonly reps = new Int32Array(4);

  constructor(
    readonly data: Uint8Array,
    readonly lc: number,
    lp: number,
    pb: number,
  ) {
    this.probs = newProbs(lc, lp);
    this.rc = new RangeEncoder(data.length + (data.length >>> 6) + 64);
    this.pbMask = (1 << pb) - 1;
    this.lpMask = (1 << lp) - 1;
  }

  /** Offset of the 0x300 literal probabilities used at `pos`. */
  literalBase(pos: number): number {
    const prev = pos > 0 ? this.data[pos - 1]! : 0;
    return LITERAL + 0x300 * (((pos & this.lpMask) << this.lc) + (prev >>> (8 - this.lc)));
  }

  literal(pos: number): void {
    const { rc, probs, state } = this;
    rc.bit(probs, IS_MATCH + (state << 4) + (pos & this.pbMask), 0);
    const base = this.literalBase(pos);
    const byte = this.data[pos]!;
    if (state >= 7) {
      // After a match the byte at rep0 predicts this one, bit by bit until they differ.
      const match = this.data[pos - this.reps[0]! - 1]!;
      let m = 1;
      let same = true;
      for (let i = 7; i >= 0; i--) {
        const b = (byte >>> i) & 1;
        if (same) {
          const mb = (match >>> i) & 1;
          rc.bit(probs, base + ((1 + mb) << 8) + m, b);
          same = mb === b;
        } else {
          rc.bit(probs, base + m, b);
        }
        m = (m << 1) | b;
      }
    } else {
      rc.tree(probs, base, 8, byte);
    }
    this.state = nextAfterLiteral(state);
  }

  private length(base: number, len: number, posState: number): void {
    const { rc, probs } = this;
    len -= 2;
    if (len < 8) {
      rc.bit(probs, base + LEN_CHOICE, 0);
      rc.tree(probs, base + LEN_LOW + posState * 8, 3, len);
    } else if (len < 16) {
      rc.bit(probs, base + LEN_CHOICE, 1);
      rc.bit(probs, base + LEN_CHOICE2, 0);
      rc.tree(probs, base + LEN_MID + posState * 8, 3, len - 8);
    } else {
      rc.bit(probs, base + LEN_CHOICE, 1);
      rc.bit(probs, base + LEN_CHOICE2, 1);
      rc.tree(probs, base + LEN_HIGH, 8, len - 16);
    }
  }

  /** A match of `len` bytes at distance `dist`+1. */
  match(pos: number, dist: number, len: number): void {
    const { rc, probs, state, reps } = this;
    const posState = pos & this.pbMask;
    rc.bit(probs, IS_MATCH + (state << 4) + posState, 1);
    rc.bit(probs, IS_REP + state, 0);
    this.length(LEN_CODER, len, posState);
    const slot = distSlot(dist);
    rc.tree(probs, POS_SLOT + lenState(len) * 64, 6, slot);
    if (slot >= 4) {
      const nd = (slot >>> 1) - 1;
      const base = (2 | (slot & 1)) << nd;
      const reduced = dist - base;
      if (slot < END_POS_MODEL_INDEX) {
        rc.reverseTree(probs, SPEC_POS + base - slot, nd, reduced);
      } else {
        rc.direct(reduced >>> ALIGN_BITS, nd - ALIGN_BITS);
        rc.reverseTree(probs, ALIGN, ALIGN_BITS, reduced & ((1 << ALIGN_BITS) - 1));
      }
    }
    reps[3] = reps[2]!;
    reps[2] = reps[1]!;
    reps[1] = reps[0]!;
    reps[0] = dist;
    this.state = nextAfterMatch(state);
  }

  /** A repeated match using rep distance `idx`; idx 0 with len 1 is a short rep. */
  rep(pos: number, idx: number, len: number): void {
    const { rc, probs, state, reps } = this;
    const posState = pos & this.pbMask;
    rc.bit(probs, IS_MATCH + (state << 4) + posState, 1);
    rc.bit(probs, IS_REP + state, 1);
    if (idx === 0) {
      rc.bit(probs, IS_REP_G0 + state, 0);
      rc.bit(probs, IS_REP0_LONG + (state << 4) + posState, len === 1 ? 0 : 1);
      if (len === 1) {
        this.state = nextAfterShortRep(state);
        return;
      }
    } else {
      rc.bit(probs, IS_REP_G0 + state, 1);
      const dist = reps[idx]!;
      if (idx === 1) {
        rc.bit(probs, IS_REP_G1 + state, 0);
      } else {
        rc.bit(probs, IS_REP_G1 + state, 1);
        rc.bit(probs, IS_REP_G2 + state, idx - 2);
        if (idx === 3) reps[3] = reps[2]!;
        reps[2] = reps[1]!;
      }
      reps[1] = reps[0]!;
      reps[0] = dist;
    }
    this.length(REP_LEN_CODER, len, posState);
    this.state = nextAfterRep(state);
  }

  finish(): Uint8Array {
    return this.rc.finish();
  }
}
