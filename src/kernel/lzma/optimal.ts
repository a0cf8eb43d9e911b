/**
 * Price-based ("normal" mode) parsing. From the current position we relax a graph of
 * positions ahead: each node's cheapest known way to be reached (literal, short rep, rep0-3,
 * match, and the two-step combinations "literal then rep0" and "match/rep, literal, rep0"),
 * priced with the live probabilities. Nodes are visited in order; the walk stops at the
 * farthest node reached, or when a match of `niceLen` shows up, then the cheapest path is
 * traced back and emitted. The match finder runs once at every visited position.
 */
import type { MatchSource } from './match-finder.js';
import {
  IS_MATCH,
  IS_REP,
  IS_REP0_LONG,
  IS_REP_G0,
  IS_REP_G1,
  IS_REP_G2,
  LEN_CODER,
  MATCH_LEN_MAX,
  REP_LEN_CODER,
  nextAfterLiteral,
  nextAfterMatch,
  nextAfterRep,
  nextAfterShortRep,
} from './model.js';
import { DistPrices, LEN_SYMBOLS, LenPrices, price0, price1, priceBit } from './prices.js';
import type { SymbolEncoder } from './symbols.js';

const NUM_OPTS = 1 << 12;
const OPT_SIZE = NUM_OPTS + 2 * MATCH_LEN_MAX + 8;
const INF = 0x3fffffff;
const LITERAL = -1;

export class OptimalParser {
  private readonly price = new Int32Array(OPT_SIZE);
  private readonly posPrev = new Int32Array(OPT_SIZE);
  private readonly back = new Int32Array(OPT_SIZE);
  /** 0: one step; 1: literal then the step; 2: back2 step, literal, then the step. */
  private readonly kind = new Uint8Array(OPT_SIZE);
  private readonly posPrev2 = new Int32Array(OPT_SIZE);
  private readonly back2 = new Int32Array(OPT_SIZE);
  private readonly state = new Uint8Array(OPT_SIZE);
  private readonly reps = new Int32Array(4 * OPT_SIZE);
  private readonly repLens = new Int32Array(4);
  /** The emitted path, in order. */
  private readonly pathLen = new Int32Array(OPT_SIZE);
  private readonly pathBack = new Int32Array(OPT_SIZE);
  private readonly lenPrices: LenPrices;
  private readonly repLenPrices: LenPrices;
  private readonly dist: DistPrices;
  private readonly data: Uint8Array;
  private readonly probs: Uint16Array;
  private readonly pbMask: number;
  /** Matches for the current position were already found (at the end of the last walk). */
  private pending = false;
  private pendingCount = 0;

  constructor(
    private readonly enc: SymbolEncoder,
    private readonly mf: MatchSource,
    private readonly niceLen: number,
    dictSize: number,
  ) {
    this.data = enc.data;
    this.probs = enc.probs;
    this.pbMask = enc.pbMask;
    const posStates = enc.pbMask + 1;
    const tableSize = Math.min(LEN_SYMBOLS, niceLen - 1);
    this.lenPrices = new LenPrices(LEN_CODER, posStates, tableSize);
    this.repLenPrices = new LenPrices(REP_LEN_CODER, posStates, tableSize);
    const slots = Math.min(64, 2 * (32 - Math.clz32(dictSize - 1)) + 2);
    this.dist = new DistPrices(slots);
  }

  run(): void {
    const { enc, probs, data } = this;
    this.lenPrices.fillAll(probs);
    this.repLenPrices.fillAll(probs);
    this.dist.fillDist(probs);
    this.dist.fillAlign(probs);
    let pos = 0;
    while (pos < data.length) {
      if (this.dist.matchCount >= 128) this.dist.fillDist(probs);
      if (this.dist.alignCount >= 16) this.dist.fillAlign(probs);
      const steps = this.optimum(pos);
      for (let i = 0; i < steps; i++) {
        const len = this.pathLen[i]!;
        const back = this.pathBack[i]!;
        const ps = pos & this.pbMask;
        if (back === LITERAL) enc.literal(pos);
        else if (back < 4) {
          enc.rep(pos, back, len);
          if (len > 1) this.repLenPrices.used(probs, ps);
        } else {
          enc.match(pos, back - 4, len);
          this.lenPrices.used(probs, ps);
          this.dist.matchCount++;
          if (back - 4 >= 128) this.dist.alignCount++;
        }
        pos += len;
      }
    }
  }

  /** Length of the match at `p` against distance `d`+1, up to `limit`. */
  private matchLen(p: number, d: number, limit: number): number {
    const data = this.data;
    const src = p - d - 1;
    if (src < 0) return 0;
    let len = 0;
    while (len < limit && data[src + len] === data[p + len]) len++;
    return len;
  }

  private literalPrice(p: number, state: number, matchByte: number): number {
    const probs = this.probs;
    const base = this.enc.literalBase(p);
    const byte = this.data[p]!;
    let price = 0;
    let m = 1;
    if (state >= 7) {
      let i = 7;
      for (; i >= 0; i--) {
        const b = (byte >>> i) & 1;
        const mb = (matchByte >>> i) & 1;
        price += priceBit(probs[base + ((1 + mb) << 8) + m]!, b);
        m = (m << 1) | b;
        if (mb !== b) {
          i--;
          break;
        }
      }
      for (; i >= 0; i--) {
        const b = (byte >>> i) & 1;
        price += priceBit(probs[base + m]!, b);
        m = (m << 1) | b;
      }
      return price;
    }
    for (let i = 7; i >= 0; i--) {
      const b = (byte >>> i) & 1;
      price += priceBit(probs[base + m]!, b);
      m = (m << 1) | b;
    }
    return price;
  }

  /** Price of choosing rep `idx` (not its length), after isMatch=1 and isRep=1. */
  private repPrice(idx: number, state: number, ps: number): number {
    const probs = this.probs;
    if (idx === 0) return price0(probs[IS_REP_G0 + state]!) + price1(probs[IS_REP0_LONG + (state << 4) + ps]!);
    let p = price1(probs[IS_REP_G0 + state]!);
    if (idx === 1) return p + price0(probs[IS_REP_G1 + state]!);
    p += price1(probs[IS_REP_G1 + state]!);
    return p + priceBit(probs[IS_REP_G2 + state]!, idx - 2);
  }

  private shortRepPrice(state: number, ps: number): number {
    const probs = this.probs;
    return price0(probs[IS_REP_G0 + state]!) + price0(probs[IS_REP0_LONG + (state << 4) + ps]!);
  }

  private set(at: number, price: number, prev: number, back: number, kind: number): void {
    this.price[at] = price;
    this.posPrev[at] = prev;
    this.back[at] = back;
    this.kind[at] = kind;
  }

  /** Finds matches at the match finder's position (or reuses pending ones); returns the longest length. */
  private findMatches(avail: number): number {
    let count: number;
    if (this.pending) {
      count = this.pendingCount;
      this.pending = false;
    } else {
      count = this.mf.find();
    }
    this.pendingCount = count;
    if (count === 0) return 0;
    const m = this.mf.matches;
    let len = m[2 * count - 2]!;
    if (len >= this.niceLen) {
      const data = this.data;
      const p = this.mf.pos - 1;
      const src = p - m[2 * count - 1]! - 1;
      const limit = Math.min(avail, MATCH_LEN_MAX);
      while (len < limit && data[src + len] === data[p + len]) len++;
      m[2 * count - 2] = len;
    }
    return len;
  }

  private single(len: number, back: number): number {
    this.pathLen[0] = len;
    this.pathBack[0] = back;
    if (len > 1) this.mf.skip(len - 1);
    return 1;
  }

  /** Plans the steps from `pos`; returns how many were written to pathLen/pathBack. */
  private optimum(pos: number): number {
    const { data, probs, enc, niceLen, price, repLens } = this;
    const matches = this.mf.matches;
    const n = data.length;
    const availAll = Math.min(n - pos, MATCH_LEN_MAX);
    const mainLen = this.findMatches(availAll);
    const count = this.pendingCount;
    if (availAll < 2) return this.single(1, LITERAL);

    let repMax = 0;
    for (let i = 0; i < 4; i++) {
      repLens[i] = this.matchLen(pos, enc.reps[i]!, availAll);
      if (repLens[i]! > repLens[repMax]!) repMax = i;
    }
    if (repLens[repMax]! >= niceLen) return this.single(repLens[repMax]!, repMax);
    if (mainLen >= niceLen) return this.single(mainLen, matches[2 * count - 1]! + 4);

    const state0 = enc.state;
    const ps0 = pos & this.pbMask;
    const rep0 = enc.reps[0]!;
    const curByte = data[pos]!;
    const matchByte = pos - rep0 - 1 >= 0 ? data[pos - rep0 - 1]! : -1;
    if (mainLen < 2 && curByte !== matchByte && repLens[repMax]! < 2) return this.single(1, LITERAL);

    this.state[0] = state0;
    this.reps.set(enc.reps, 0);
    const isMatch = IS_MATCH + (state0 << 4) + ps0;
    this.set(1, price0(probs[isMatch]!) + this.literalPrice(pos, state0, matchByte), 0, LITERAL, 0);
    const matchPrice = price1(probs[isMatch]!);
    const repMatchPrice = matchPrice + price1(probs[IS_REP + state0]!);
    if (matchByte === curByte) {
      const sp = repMatchPrice + this.shortRepPrice(state0, ps0);
      if (sp < price[1]!) this.set(1, sp, 0, 0, 0);
    }
    let lenEnd = Math.max(mainLen, repLens[repMax]!);
    if (lenEnd < 2) return this.single(1, this.back[1]!);
    for (let i = 2; i <= lenEnd; i++) price[i] = INF;

    const lp = this.lenPrices.table;
    const rlp = this.repLenPrices.table;
    const lpOff = ps0 * LEN_SYMBOLS - 2;
    for (let i = 0; i < 4; i++) {
      const rl = repLens[i]!;
      if (rl < 2) continue;
      const base = repMatchPrice + this.repPrice(i, state0, ps0);
      for (let len = rl; len >= 2; len--) {
        const p = base + rlp[lpOff + len]!;
        if (p < price[len]!) this.set(len, p, 0, i, 0);
      }
    }
    const normalMatchPrice = matchPrice + price0(probs[IS_REP + state0]!);
    let len = repLens[0]! >= 2 ? repLens[0]! + 1 : 2;
    if (len <= mainLen) {
      let offs = 0;
      while (len > matches[offs]!) offs += 2;
      for (;; len++) {
        const d = matches[offs + 1]!;
        const p = normalMatchPrice + lp[lpOff + len]! + this.dist.price(d, len);
        if (p < price[len]!) this.set(len, p, 0, d + 4, 0);
        if (len === matches[offs]!) {
          offs += 2;
          if (offs === 2 * count) break;
        }
      }
    }

    let cur = 0;
    for (;;) {
      cur++;
      if (cur === lenEnd) break;
      const p0 = pos + cur;
      const availFull = Math.min(n - p0, MATCH_LEN_MAX, NUM_OPTS - 1 - cur);
      let newLen = this.findMatches(Math.min(n - p0, MATCH_LEN_MAX));
      const newCount = this.pendingCount;
      if (newLen >= niceLen) {
        this.pending = true;
        break;
      }
      const state = this.visit(cur);
      const r = cur << 2;
      const reps = this.reps;
      const curPrice = price[cur]!;
      const ps = p0 & this.pbMask;
      const cb = data[p0]!;
      const mbPos = p0 - reps[r]! - 1;
      const mb = data[mbPos]!;
      const im = IS_MATCH + (state << 4) + ps;
      const lit = curPrice + price0(probs[im]!) + this.literalPrice(p0, state, mb);
      let nextIsLiteral = false;
      if (lit < price[cur + 1]!) {
        this.set(cur + 1, lit, cur, LITERAL, 0);
        nextIsLiteral = true;
      }
      const mPrice = curPrice + price1(probs[im]!);
      const rmPrice = mPrice + price1(probs[IS_REP + state]!);
      if (mb === cb) {
        const sp = rmPrice + this.shortRepPrice(state, ps);
        if (sp <= price[cur + 1]!) {
          this.set(cur + 1, sp, cur, 0, 0);
          nextIsLiteral = false;
        }
      }
      if (availFull < 2) continue;
      const avail = Math.min(availFull, niceLen);
      const lOff = ps * LEN_SYMBOLS - 2;

      // Literal, then rep0.
      if (!nextIsLiteral && mb !== cb) {
        const l2 = this.matchLen(p0 + 1, reps[r]!, Math.min(availFull - 1, niceLen));
        if (l2 >= 2) {
          const s2 = nextAfterLiteral(state);
          const ps2 = (p0 + 1) & this.pbMask;
          const im2 = IS_MATCH + (s2 << 4) + ps2;
          const p =
            lit + price1(probs[im2]!) + price1(probs[IS_REP + s2]!) + this.repPrice(0, s2, ps2) + rlp[ps2 * LEN_SYMBOLS - 2 + l2]!;
          const at = cur + 1 + l2;
          while (lenEnd < at) price[++lenEnd] = INF;
          if (p < price[at]!) this.set(at, p, cur + 1, 0, 1);
        }
      }

      let startLen = 2;
      for (let i = 0; i < 4; i++) {
        const d = reps[r + i]!;
        const src = p0 - d - 1;
        if (src < 0 || data[src] !== cb || data[src + 1] !== data[p0 + 1]) continue;
        let rl = 2;
        while (rl < avail && data[src + rl] === data[p0 + rl]) rl++;
        while (lenEnd < cur + rl) price[++lenEnd] = INF;
        const base = rmPrice + this.repPrice(i, state, ps);
        for (let l = rl; l >= 2; l--) {
          const p = base + rlp[lOff + l]!;
          if (p < price[cur + l]!) this.set(cur + l, p, cur, i, 0);
        }
        if (i === 0) startLen = rl + 1;
        // Rep, literal, rep0.
        const limit = Math.min(availFull, rl + 1 + niceLen);
        if (rl + 1 < limit) {
          let l2 = 0;
          const q = p0 + rl + 1;
          while (rl + 1 + l2 < limit && data[q - d - 1 + l2] === data[q + l2]) l2++;
          if (l2 >= 2) {
            const sR = nextAfterRep(state);
            const psA = (p0 + rl) & this.pbMask;
            let p = base + rlp[lOff + rl]! + price0(probs[IS_MATCH + (sR << 4) + psA]!);
            p += this.literalPrice(p0 + rl, sR, data[p0 + rl - d - 1]!);
            const sL = nextAfterLiteral(sR);
            const psB = (p0 + rl + 1) & this.pbMask;
            p += price1(probs[IS_MATCH + (sL << 4) + psB]!) + price1(probs[IS_REP + sL]!);
            p += this.repPrice(0, sL, psB) + rlp[psB * LEN_SYMBOLS - 2 + l2]!;
            const at = cur + rl + 1 + l2;
            while (lenEnd < at) price[++lenEnd] = INF;
            if (p < price[at]!) {
              this.set(at, p, cur + rl + 1, 0, 2);
              this.posPrev2[at] = cur;
              this.back2[at] = i;
            }
          }
        }
      }

      if (newLen > avail) {
        newLen = avail;
        let c = 0;
        while (matches[c]! < newLen) c += 2;
        matches[c] = newLen;
        this.pendingCount = c / 2 + 1;
      }
      const mCount = Math.min(newCount, this.pendingCount);
      if (newLen < startLen) continue;
      const nmPrice = mPrice + price0(probs[IS_REP + state]!);
      while (lenEnd < cur + newLen) price[++lenEnd] = INF;
      let offs = 0;
      while (startLen > matches[offs]!) offs += 2;
      let d = matches[offs + 1]!;
      let dp = this.dist.price(d, 5); // distance prices are the same for every length >= 5
      for (let l = startLen; ; l++) {
        const p = nmPrice + lp[lOff + l]! + (l < 5 ? this.dist.price(d, l) : dp);
        if (p < price[cur + l]!) this.set(cur + l, p, cur, d + 4, 0);
        if (l !== matches[offs]!) continue;
        // Match, literal, rep0.
        const limit = Math.min(availFull, l + 1 + niceLen);
        if (l + 1 < limit) {
          let l2 = 0;
          const q = p0 + l + 1;
          while (l + 1 + l2 < limit && data[q - d - 1 + l2] === data[q + l2]) l2++;
          if (l2 >= 2) {
            const sM = nextAfterMatch(state);
            const psA = (p0 + l) & this.pbMask;
            let pp = p + price0(probs[IS_MATCH + (sM << 4) + psA]!);
            pp += this.literalPrice(p0 + l, sM, data[p0 + l - d - 1]!);
            const sL = nextAfterLiteral(sM);
            const psB = (p0 + l + 1) & this.pbMask;
            pp += price1(probs[IS_MATCH + (sL << 4) + psB]!) + price1(probs[IS_REP + sL]!);
            pp += this.repPrice(0, sL, psB) + rlp[psB * LEN_SYMBOLS - 2 + l2]!;
            const at = cur + l + 1 + l2;
            while (lenEnd < at) price[++lenEnd] = INF;
            if (pp < price[at]!) {
              this.set(at, pp, cur + l + 1, 0, 2);
              this.posPrev2[at] = cur;
              this.back2[at] = d + 4;
            }
          }
        }
        offs += 2;
        if (offs === 2 * mCount) break;
        d = matches[offs + 1]!;
        dp = this.dist.price(d, 5);
      }
    }
    return this.backtrack(cur);
  }

  /** Computes state and reps of node `cur` from the step that reaches it; returns the state. */
  private visit(cur: number): number {
    const reps = this.reps;
    const kind = this.kind[cur]!;
    const prev = this.posPrev[cur]!;
    const back = this.back[cur]!;
    let from: number;
    let s: number;
    const r = cur << 2;
    if (kind === 0) {
      from = prev;
      s = this.state[from]!;
    } else if (kind === 1) {
      from = prev - 1;
      s = nextAfterLiteral(this.state[from]!);
    } else {
      from = this.posPrev2[cur]!;
      s = this.state[from]!;
    }
    const f = from << 2;
    reps[r] = reps[f]!;
    reps[r + 1] = reps[f + 1]!;
    reps[r + 2] = reps[f + 2]!;
    reps[r + 3] = reps[f + 3]!;
    if (kind === 2) s = nextAfterLiteral(applyStep(reps, r, s, this.back2[cur]!, 2));
    s = applyStep(reps, r, s, back, cur - prev);
    this.state[cur] = s;
    return s;
  }

  private backtrack(end: number): number {
    let count = 0;
    const tmpLen = this.pathLen;
    const tmpBack = this.pathBack;
    // Collect in reverse at the far end of the path arrays, then move to the front.
    let w = OPT_SIZE;
    for (let j = end; j > 0; ) {
      const kind = this.kind[j]!;
      const prev = this.posPrev[j]!;
      tmpLen[--w] = j - prev;
      tmpBack[w] = this.back[j]!;
      if (kind === 0) {
        j = prev;
        continue;
      }
      tmpLen[--w] = 1;
      tmpBack[w] = LITERAL;
      if (kind === 1) {
        j = prev - 1;
        continue;
      }
      const p2 = this.posPrev2[j]!;
      tmpLen[--w] = prev - 1 - p2;
      tmpBack[w] = this.back2[j]!;
      j = p2;
    }
    for (let i = w; i < OPT_SIZE; i++) {
      tmpLen[count] = tmpLen[i]!;
      tmpBack[count] = tmpBack[i]!;
      count++;
    }
    return count;
  }
}

/** Applies one step (literal, short rep, rep i, or match with back = dist+4) to state and reps. */
function applyStep(reps: Int32Array, r: number, s: number, back: number, len: number): number {
  if (back === LITERAL) return nextAfterLiteral(s);
  if (back === 0 && len === 1) return nextAfterShortRep(s);
  if (back < 4) {
    const d = reps[r + back]!;
    for (let k = back; k > 0; k--) reps[r + k] = reps[r + k - 1]!;
    reps[r] = d;
    return nextAfterRep(s);
  }
  reps[r + 3] = reps[r + 2]!;
  reps[r + 2] = reps[r + 1]!;
  reps[r + 1] = reps[r]!;
  reps[r] = back - 4;
  return nextAfterMatch(s);
}

