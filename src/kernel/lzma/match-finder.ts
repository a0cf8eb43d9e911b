/**
 * Binary-tree match finder over the whole input (the input is in memory, so positions are
 * absolute; only the tree nodes live in a cyclic buffer of dictionary size). Exact 2-byte
 * and hashed 3-byte heads give short matches; a hashed 4-byte head roots one binary tree
 * per hash bucket, ordered by the bytes that follow, which yields matches of strictly
 * increasing length in one walk and keeps the tree balanced by construction.
 */
import { MATCH_LEN_MAX } from './model.js';

const HASH3_BITS = 16;

/** What the parsers need from a match finder; positions are consumed strictly in order. */
export interface MatchSource {
  /** Next position to be processed. */
  readonly pos: number;
  /** Pairs (length, distance-1) of the last `find`, lengths strictly increasing. */
  readonly matches: Int32Array;
  find(): number;
  skip(count: number): void;
}

export class BinTreeMatchFinder implements MatchSource {
  private readonly head2 = new Int32Array(1 << 16).fill(-1);
  private readonly head3 = new Int32Array(1 << HASH3_BITS).fill(-1);
  private readonly head4: Int32Array;
  private readonly hash4Shift: number;
  private readonly son: Int32Array;
  private readonly cyclicSize: number;
  private cyclicPos = 0;
  /** Next position to be processed. */
  pos = 0;
  /** Pairs (length, distance-1) of the last `find`, lengths strictly increasing. */
  readonly matches = new Int32Array(2 * (MATCH_LEN_MAX + 1));

  constructor(
    private readonly data: Uint8Array,
    private readonly dictSize: number,
    private readonly niceLen: number,
    private readonly cutValue: number,
  ) {
    const window = Math.min(dictSize, data.length);
    this.cyclicSize = window + 1;
    this.son = new Int32Array(2 * this.cyclicSize);
    let bits = 32 - Math.clz32(Math.max(1, window));
    bits = Math.min(22, Math.max(10, bits));
    this.head4 = new Int32Array(1 << bits).fill(-1);
    this.hash4Shift = 32 - bits;
  }

  /** Finds matches at `pos`, inserts it, advances; returns the number of pairs. */
  find(): number {
    const data = this.data;
    const pos = this.pos;
    const avail = data.length - pos;
    const dictSize = this.dictSize;
    const matches = this.matches;
    let count = 0;
    if (avail < 4) {
      this.pos++;
      this.advanceCyclic();
      if (avail < 2) return 0;
      const h2 = data[pos]! | (data[pos + 1]! << 8);
      const c2 = this.head2[h2]!;
      this.head2[h2] = pos;
      if (c2 >= 0 && pos - c2 <= dictSize) {
        let len = 2;
        while (len < avail && data[c2 + len] === data[pos + len]) len++;
        matches[0] = len;
        matches[1] = pos - c2 - 1;
        count = 1;
      }
      return count;
    }
    const lenLimit = avail < this.niceLen ? avail : this.niceLen;
    const v2 = data[pos]! | (data[pos + 1]! << 8);
    const v3 = v2 | (data[pos + 2]! << 16);
    const h3 = Math.imul(v3, 0x9e3779b1) >>> (32 - HASH3_BITS);
    const h4 = Math.imul(v3 | (data[pos + 3]! << 24), 0x2545f491) >>> this.hash4Shift;
    const c2 = this.head2[v2]!;
    const c3 = this.head3[h3]!;
    let cur = this.head4[h4]!;
    this.head2[v2] = pos;
    this.head3[h3] = pos;
    this.head4[h4] = pos;

    let maxLen = 1;
    if (c2 >= 0 && pos - c2 <= dictSize) {
      maxLen = 2;
      matches[0] = 2;
      matches[1] = pos - c2 - 1;
      count = 1;
    }
    if (c3 >= 0 && c3 !== c2 && pos - c3 <= dictSize && data[c3] === data[pos] && data[c3 + 1] === data[pos + 1] && data[c3 + 2] === data[pos + 2]) {
      maxLen = 3;
      matches[2 * count] = 3;
      matches[2 * count + 1] = pos - c3 - 1;
      count++;
    }
    if (count > 0) {
      // Extend the best short candidate; the tree only reports longer matches.
      const d = matches[2 * count - 1]! + 1;
      let len = maxLen;
      while (len < lenLimit && data[pos - d + len] === data[pos + len]) len++;
      maxLen = len;
      matches[2 * count - 2] = len;
    }

    const son = this.son;
    const cyclicSize = this.cyclicSize;
    const cyc = this.cyclicPos;
    let ptr0 = (cyc << 1) + 1;
    let ptr1 = cyc << 1;
    let len0 = 0;
    let len1 = 0;
    let cut = this.cutValue;
    for (;;) {
      const delta = pos - cur;
      if (cur < 0 || delta > dictSize || cut-- === 0) {
        son[ptr0] = -1;
        son[ptr1] = -1;
        break;
      }
      let cp = cyc - delta;
      if (cp < 0) cp += cyclicSize;
      const pair = cp << 1;
      let len = len0 < len1 ? len0 : len1;
      if (data[cur + len] === data[pos + len]) {
        while (++len !== lenLimit && data[cur + len] === data[pos + len]);
        if (len > maxLen) {
          maxLen = len;
          matches[2 * count] = len;
          matches[2 * count + 1] = delta - 1;
          count++;
        }
        // Same tree update as skip(), so find() and skip() can be mixed freely.
        if (len === lenLimit) {
          son[ptr1] = son[pair]!;
          son[ptr0] = son[pair + 1]!;
          break;
        }
      }
      if (data[cur + len]! < data[pos + len]!) {
        son[ptr1] = cur;
        ptr1 = pair + 1;
        cur = son[ptr1]!;
        len1 = len;
      } else {
        son[ptr0] = cur;
        ptr0 = pair;
        cur = son[ptr0]!;
        len0 = len;
      }
    }
    this.pos++;
    this.advanceCyclic();
    return count;
  }

  /** Inserts `count` positions without reporting matches. */
  skip(count: number): void {
    const data = this.data;
    const dictSize = this.dictSize;
    const son = this.son;
    const cyclicSize = this.cyclicSize;
    while (count-- > 0) {
      const pos = this.pos;
      const avail = data.length - pos;
      if (avail < 4) {
        if (avail >= 2) this.head2[data[pos]! | (data[pos + 1]! << 8)] = pos;
        this.pos++;
        this.advanceCyclic();
        continue;
      }
      const lenLimit = avail < this.niceLen ? avail : this.niceLen;
      const v2 = data[pos]! | (data[pos + 1]! << 8);
      const v3 = v2 | (data[pos + 2]! << 16);
      const h3 = Math.imul(v3, 0x9e3779b1) >>> (32 - HASH3_BITS);
      const h4 = Math.imul(v3 | (data[pos + 3]! << 24), 0x2545f491) >>> this.hash4Shift;
      let cur = this.head4[h4]!;
      this.head2[v2] = pos;
      this.head3[h3] = pos;
      this.head4[h4] = pos;
      const cyc = this.cyclicPos;
      let ptr0 = (cyc << 1) + 1;
      let ptr1 = cyc << 1;
      let len0 = 0;
      let len1 = 0;
      let cut = this.cutValue;
      for (;;) {
        const delta = pos - cur;
        if (cur < 0 || delta > dictSize || cut-- === 0) {
          son[ptr0] = -1;
          son[ptr1] = -1;
          break;
        }
        let cp = cyc - delta;
        if (cp < 0) cp += cyclicSize;
        const pair = cp << 1;
        let len = len0 < len1 ? len0 : len1;
        if (data[cur + len] === data[pos + len]) {
          while (++len !== lenLimit && data[cur + len] === data[pos + len]);
          if (len === lenLimit) {
            son[ptr1] = son[pair]!;
            son[ptr0] = son[pair + 1]!;
            break;
          }
        }
        if (data[cur + len]! < data[pos + len]!) {
          son[ptr1] = cur;
          ptr1 = pair + 1;
          cur = son[ptr1]!;
          len1 = len;
        } else {
          son[ptr0] = cur;
          ptr0 = pair;
          cur = son[ptr0]!;
          len0 = len;
        }
      }
      this.pos++;
      this.advanceCyclic();
    }
  }

  private advanceCyclic(): void {
    if (++this.cyclicPos === this.cyclicSize) this.cyclicPos = 0;
  }
}
