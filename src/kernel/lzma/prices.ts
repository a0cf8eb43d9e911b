/**
 * Bit prices for the optimal parser, in 1/16 bit: -log2(p) of each probability, and the
 * length/distance price tables that are refreshed as the model adapts.
 */
import {
  ALIGN,
  ALIGN_BITS,
  END_POS_MODEL_INDEX,
  LEN_CHOICE,
  LEN_CHOICE2,
  LEN_HIGH,
  LEN_LOW,
  LEN_MID,
  MATCH_LEN_MAX,
  MATCH_LEN_MIN,
  NUM_FULL_DISTANCES,
  POS_SLOT,
  SPEC_POS,
  distSlot,
  PROB_BITS,
} from './model.js';

export const PRICE_SHIFT = 4;
const REDUCE = 4; // probabilities are bucketed by their top 7 bits
const PRICES = new Uint32Array(1 << (PROB_BITS - REDUCE));
for (let i = 0; i < PRICES.length; i++) {
  const p = ((i << REDUCE) + (1 << (REDUCE - 1))) / (1 << PROB_BITS);
  PRICES[i] = Math.round(-Math.log2(p) * (1 << PRICE_SHIFT));
}

export const price0 = (prob: number): number => PRICES[prob >>> REDUCE]!;
export const price1 = (prob: number): number => PRICES[(prob ^ ((1 << PROB_BITS) - 1)) >>> REDUCE]!;
export const priceBit = (prob: number, bit: number): number =>
  PRICES[(prob ^ (-bit & ((1 << PROB_BITS) - 1))) >>> REDUCE]!;

export function treePrice(probs: Uint16Array, base: number, bits: number, value: number): number {
  let price = 0;
  let m = 1;
  for (let i = bits - 1; i >= 0; i--) {
    const b = (value >>> i) & 1;
    price += priceBit(probs[base + m]!, b);
    m = (m << 1) | b;
  }
  return price;
}

export function reverseTreePrice(probs: Uint16Array, base: number, bits: number, value: number): number {
  let price = 0;
  let m = 1;
  for (let i = 0; i < bits; i++) {
    const b = value & 1;
    value >>>= 1;
    price += priceBit(probs[base + m]!, b);
    m = (m << 1) | b;
  }
  return price;
}

export const LEN_SYMBOLS = MATCH_LEN_MAX - MATCH_LEN_MIN + 1;

/** Prices of lengths 2..273 for one length coder, per posState, refreshed after `tableSize` uses. */
export class LenPrices {
  readonly table: Uint32Array;
  private readonly counters: Int32Array;

  constructor(
    private readonly coder: number,
    private readonly posStates: number,
    private readonly tableSize: number,
  ) {
    this.table = new Uint32Array(posStates * LEN_SYMBOLS);
    this.counters = new Int32Array(posStates);
  }

  fillAll(probs: Uint16Array): void {
    for (let ps = 0; ps < this.posStates; ps++) this.fill(probs, ps);
  }

  private fill(probs: Uint16Array, ps: number): void {
    const c = this.coder;
    const choice = probs[c + LEN_CHOICE]!;
    const a0 = price0(choice);
    const a1 = price1(choice);
    const choice2 = probs[c + LEN_CHOICE2]!;
    const b0 = a1 + price0(choice2);
    const b1 = a1 + price1(choice2);
    const t = this.table;
    const off = ps * LEN_SYMBOLS;
    const n = this.tableSize;
    let i = 0;
    for (; i < 8 && i < n; i++) t[off + i] = a0 + treePrice(probs, c + LEN_LOW + ps * 8, 3, i);
    for (; i < 16 && i < n; i++) t[off + i] = b0 + treePrice(probs, c + LEN_MID + ps * 8, 3, i - 8);
    for (; i < n; i++) t[off + i] = b1 + treePrice(probs, c + LEN_HIGH, 8, i - 16);
    this.counters[ps] = n;
  }

  /** Called after a length was coded with `ps`. */
  used(probs: Uint16Array, ps: number): void {
    if (--this.counters[ps]! <= 0) this.fill(probs, ps);
  }
}

/** Distance prices: slot prices per length state, full prices below 128, align prices. */
export class DistPrices {
  readonly slot = new Uint32Array(4 * 64);
  readonly full = new Uint32Array(4 * NUM_FULL_DISTANCES);
  readonly align = new Uint32Array(1 << ALIGN_BITS);
  matchCount = 0;
  alignCount = 0;

  constructor(private readonly slots: number) {}

  fillDist(probs: Uint16Array): void {
    for (let ls = 0; ls < 4; ls++) {
      const base = POS_SLOT + ls * 64;
      for (let s = 0; s < this.slots; s++) {
        let p = treePrice(probs, base, 6, s);
        if (s >= END_POS_MODEL_INDEX) p += ((s >>> 1) - 1 - ALIGN_BITS) << PRICE_SHIFT;
        this.slot[ls * 64 + s] = p;
      }
      for (let d = 0; d < NUM_FULL_DISTANCES; d++) {
        const s = distSlot(d);
        let p = this.slot[ls * 64 + s]!;
        if (s >= 4) {
          const nd = (s >>> 1) - 1;
          const b = (2 | (s & 1)) << nd;
          p += reverseTreePrice(probs, SPEC_POS + b - s, nd, d - b);
        }
        this.full[ls * NUM_FULL_DISTANCES + d] = p;
      }
    }
    this.matchCount = 0;
  }

  fillAlign(probs: Uint16Array): void {
    for (let i = 0; i < 1 << ALIGN_BITS; i++) this.align[i] = reverseTreePrice(probs, ALIGN, ALIGN_BITS, i);
    this.alignCount = 0;
  }

  price(dist: number, len: number): number {
    const ls = len < 5 ? len - 2 : 3;
    if (dist < NUM_FULL_DISTANCES) return this.full[ls * NUM_FULL_DISTANCES + dist]!;
    return this.slot[ls * 64 + distSlot(dist)]! + this.align[dist & ((1 << ALIGN_BITS) - 1)]!;
  }
}
