import { NixwrtError } from '../../errors.js';

/** Stable codes for everything that can go wrong with an LZMA "alone" stream or its options. */
export type LzmaErrorCode =
  | 'bad-option' // lc/lp/pb/dictionary/niceLen out of range
  | 'truncated' // the stream ends before the header or the data it announces
  | 'bad-props' // the props byte is not (pb*5+lp)*9+lc with lc<=8, lp<=4, pb<=4
  | 'corrupt' // the range-coded data does not decode to a valid symbol sequence
  | 'too-large' // the announced or decoded size exceeds the caller's limit
  | 'trailing-data'; // strict decoding: bytes left over after the last symbol

export class LzmaError extends NixwrtError<LzmaErrorCode> {}
