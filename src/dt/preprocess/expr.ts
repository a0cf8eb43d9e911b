/**
 * #if / #elif expressions: C integer arithmetic in 64 bits (signed unless a U suffix or an
 * unsigned operand makes it unsigned), after `defined` and macro expansion; remaining
 * identifiers are 0.
 */
import { DtError, type SrcPos } from '../errors.js';
import type { PPToken } from './tokens.js';

/** Deepest #if nesting we evaluate (recursively); kernel sources nest a handful deep. */
const MAX_IF_NESTING = 256;

interface Val {
  v: bigint;
  u: boolean;
}

const norm = (x: Val): Val => ({ v: x.u ? BigInt.asUintN(64, x.v) : BigInt.asIntN(64, x.v), u: x.u });

const BINARY: string[][] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

function parseNumber(text: string, pos: SrcPos): Val {
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/.exec(text);
  if (!m) throw new DtError('bad-literal', `invalid integer "${text}" in #if`, pos);
  const digits = m[1]!;
  const v = /^0[0-7]+$/.test(digits) ? BigInt('0o' + digits.slice(1)) : BigInt(digits);
  return norm({ v, u: /[uU]/.test(m[2]!) });
}

function charValue(text: string): bigint {
  const body = text.slice(1, -1);
  if (body[0] !== '\\') return BigInt(body.charCodeAt(0) || 0);
  const e = body[1] ?? '';
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63 };
  if (e in simple) return BigInt(simple[e]!);
  if (e === 'x') return BigInt(parseInt(body.slice(2), 16) || 0);
  return BigInt(parseInt(body.slice(1), 8) || 0);
}

export function evalIf(toks: PPToken[], pos: SrcPos): boolean {
  let i = 0;
  const peek = () => toks[i];
  const fail = (msg: string): never => {
    const t = toks[i];
    throw new DtError('bad-directive', msg, t && t.col > 0 ? { file: t.file, line: t.line, col: t.col } : pos);
  };
  const isOp = (s: string) => {
    const t = peek();
    return t !== undefined && (t.kind === 'punct' || t.kind === 'other') && t.text === s;
  };

  // nesting of parentheses, unary operators and ?: (each a recursion here)
  let depth = 0;
  const enter = (t: PPToken | undefined): void => {
    if (++depth > MAX_IF_NESTING) {
      throw new DtError('too-deep', `#if expression nested more than ${MAX_IF_NESTING} deep`, t && t.col > 0 ? { file: t.file, line: t.line, col: t.col } : pos);
    }
  };

  const primary = (): Val => {
    const t = toks[i++];
    enter(t);
    try {
      return primaryIn(t);
    } finally {
      depth--;
    }
  };

  const primaryIn = (t: PPToken | undefined): Val => {
    if (!t) return fail('missing expression in #if');
    if (t.kind === 'num') return parseNumber(t.text, { file: t.file, line: t.line, col: t.col });
    if (t.kind === 'chr') return { v: charValue(t.text), u: false };
    if (t.kind === 'id') return { v: 0n, u: false };
    if (t.text === '(') {
      const v = cond();
      if (!isOp(')')) fail("missing ')' in #if expression");
      i++;
      return v;
    }
    if (t.text === '-' || t.text === '+' || t.text === '~' || t.text === '!') {
      const x = primary();
      if (t.text === '-') return norm({ v: -x.v, u: x.u });
      if (t.text === '~') return norm({ v: ~x.v, u: x.u });
      if (t.text === '!') return { v: x.v === 0n ? 1n : 0n, u: false };
      return x;
    }
    i--;
    return fail(`token "${t.text}" is not valid in #if expressions`);
  };

  const binary = (level: number): Val => {
    if (level === BINARY.length) return primary();
    let a = binary(level + 1);
    for (;;) {
      const t = peek();
      if (!t || !BINARY[level]!.includes(t.text) || t.kind !== 'punct') return a;
      i++;
      const b = binary(level + 1);
      const u = a.u || b.u;
      const A = u ? BigInt.asUintN(64, a.v) : a.v;
      const B = u ? BigInt.asUintN(64, b.v) : b.v;
      const bool = (x: boolean): Val => ({ v: x ? 1n : 0n, u: false });
      switch (t.text) {
        case '||': a = bool(A !== 0n || B !== 0n); break;
        case '&&': a = bool(A !== 0n && B !== 0n); break;
        case '|': a = norm({ v: A | B, u }); break;
        case '^': a = norm({ v: A ^ B, u }); break;
        case '&': a = norm({ v: A & B, u }); break;
        case '==': a = bool(A === B); break;
        case '!=': a = bool(A !== B); break;
        case '<': a = bool(A < B); break;
        case '>': a = bool(A > B); break;
        case '<=': a = bool(A <= B); break;
        case '>=': a = bool(A >= B); break;
        case '<<': a = norm({ v: A << (B & 63n), u: a.u }); break;
        case '>>': a = norm({ v: A >> (B & 63n), u: a.u }); break;
        case '+': a = norm({ v: A + B, u }); break;
        case '-': a = norm({ v: A - B, u }); break;
        case '*': a = norm({ v: A * B, u }); break;
        default:
          if (B === 0n) throw new DtError('division-by-zero', 'division by zero in #if', pos);
          a = norm({ v: t.text === '/' ? A / B : A % B, u });
      }
    }
  };

  const cond = (): Val => {
    const c = binary(0);
    if (!isOp('?')) return c;
    enter(toks[i]);
    i++;
    const a = cond();
    if (!isOp(':')) fail("missing ':' in #if expression");
    i++;
    const b = cond();
    depth--;
    return c.v !== 0n ? a : b;
  };

  const r = cond();
  if (i < toks.length) fail(`missing binary operator before token "${toks[i]!.text}"`);
  return r.v !== 0n;
}
