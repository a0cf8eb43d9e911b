/** Range decoder over a byte array, bounds-checked: reading past the end is an error. */
import { LzmaError } from './errors.js';
import { MOVE_BITS, PROB_BITS } from './model.js';

const TOP = 1 << 24;

export class RangeDecoder {
  private range = 0xffffffff;
  /** Always kept in 0..2^32-1 as a plain number. */
  code = 0;
  pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    if (end - start < 5) throw new LzmaError('truncated', 'lzma: range coder needs at least 5 bytes');
    if (buf[start] !== 0) throw new LzmaError('corrupt', 'lzma: first range coder byte is not 0');
    this.code = ((buf[start + 1]! << 24) | (buf[start + 2]! << 16) | (buf[start + 3]! << 8) | buf[start + 4]!) >>> 0;
    this.pos = start + 5;
    if (this.code === 0xffffffff) throw new LzmaError('corrupt', 'lzma: range coder starts with an impossible code');
  }

  private next(): number {
    if (this.pos >= this.end) throw new LzmaError('truncated', `lzma: compressed data ends early (at byte ${this.pos})`);
    return this.buf[this.pos++]!;
  }

  bit(probs: Uint16Array, i: number): number {
    const p = probs[i]!;
    const bound = (this.range >>> PROB_BITS) * p;
    let b: number;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = p + (((1 << PROB_BITS) - p) >>> MOVE_BITS);
      b = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      probs[i] = p - (p >>> MOVE_BITS);
      b = 1;
    }
    if (this.range < TOP) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.next()) >>> 0;
    }
    return b;
  }

  direct(count: number): number {
    let r = 0;
    for (let i = 0; i < count; i++) {
      this.range >>>= 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        b = 1;
      }
      r = ((r << 1) | b) >>> 0;
      if (this.range < TOP) {
        this.range = (this.range << 8) >>> 0;
        this.code = ((this.code << 8) | this.next()) >>> 0;
      }
    }
    return r;
  }

  tree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.bit(probs, base + m);
    return m - (1 << bits);
  }

  reverseTree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    let r = 0;
    for (let i = 0; i < bits; i++) {
      const b = this.bit(probs, base + m);
      m = (m << 1) | b;
      r |= b << i;
    }
    return r;
  }
}
