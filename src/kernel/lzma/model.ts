/**
 * The LZMA probability model: one Uint16Array holding every adaptive bit probability, laid
 * out at fixed offsets, plus the 12-state machine. Shared by the encoder and the decoder.
 */
export const PROB_BITS = 11;
export const PROB_INIT = 1 << (PROB_BITS - 1);
export const MOVE_BITS = 5;

export const NUM_STATES = 12;
export const POS_STATES_MAX = 16;
export const MATCH_LEN_MIN = 2;
export const MATCH_LEN_MAX = 273;
export const END_POS_MODEL_INDEX = 14;
export const NUM_FULL_DISTANCES = 128;
export const ALIGN_BITS = 4;
export const DIST_SLOTS = 64;
export const LEN_STATES = 4;

// Length coder: choice, choice2, low[16][8], mid[16][8], high[256].
export const LEN_CHOICE = 0;
export const LEN_CHOICE2 = 1;
export const LEN_LOW = 2;
export const LEN_MID = LEN_LOW + POS_STATES_MAX * 8;
export const LEN_HIGH = LEN_MID + POS_STATES_MAX * 8;
export const LEN_CODER_SIZE = LEN_HIGH + 256;

export const IS_MATCH = 0;
export const IS_REP = IS_MATCH + NUM_STATES * POS_STATES_MAX;
export const IS_REP_G0 = IS_REP + NUM_STATES;
export const IS_REP_G1 = IS_REP_G0 + NUM_STATES;
export const IS_REP_G2 = IS_REP_G1 + NUM_STATES;
export const IS_REP0_LONG = IS_REP_G2 + NUM_STATES;
export const POS_SLOT = IS_REP0_LONG + NUM_STATES * POS_STATES_MAX;
export const SPEC_POS = POS_SLOT + LEN_STATES * DIST_SLOTS;
export const ALIGN = SPEC_POS + 1 + NUM_FULL_DISTANCES - END_POS_MODEL_INDEX;
export const LEN_CODER = ALIGN + (1 << ALIGN_BITS);
export const REP_LEN_CODER = LEN_CODER + LEN_CODER_SIZE;
export const LITERAL = REP_LEN_CODER + LEN_CODER_SIZE;

export function probsSize(lc: number, lp: number): number {
  return LITERAL + (0x300 << (lc + lp));
}

export function newProbs(lc: number, lp: number): Uint16Array {
  return new Uint16Array(probsSize(lc, lp)).fill(PROB_INIT);
}

// State transitions: 0..6 follow a literal, 7..11 follow a match or rep.
export const nextAfterLiteral = (s: number): number => (s < 4 ? 0 : s < 10 ? s - 3 : s - 6);
export const nextAfterMatch = (s: number): number => (s < 7 ? 7 : 10);
export const nextAfterRep = (s: number): number => (s < 7 ? 8 : 11);
export const nextAfterShortRep = (s: number): number => (s < 7 ? 9 : 11);

/** Length-to-state for the distance slot coder. */
export const lenState = (len: number): number => (len < 5 ? len - 2 : 3);

/** Distance (0-based) to its 6-bit slot. */
export function distSlot(dist: number): number {
  if (dist < 4) return dist;
  const top = 31 - Math.clz32(dist);
  return (top << 1) | ((dist >>> (top - 1)) & 1);
}
