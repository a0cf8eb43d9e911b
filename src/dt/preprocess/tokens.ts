/**
 * Preprocessing tokens of C in assembler-with-cpp mode (how the kernel runs cpp on DTS):
 * identifiers, pp-numbers, strings, char constants (an unmatched ' is an ordinary
 * character), punctuators, other characters, and newlines. Comments and backslash-newline
 * become whitespace; each token remembers its line and column and whether whitespace
 * preceded it (`ws`) or it starts a line (`bol`).
 */
import { DtError } from '../errors.js';

export type PPKind = 'id' | 'num' | 'str' | 'chr' | 'punct' | 'other' | 'nl' | 'pm';

/** Hide set of Prosser's algorithm: macros that must not expand this token again. */
export interface HideSet {
  name: string;
  next: HideSet | null;
}

export interface PPToken {
  kind: PPKind;
  text: string;
  file: string;
  line: number;
  /** 1-based column in the source line; 0 for tokens made by macro expansion */
  col: number;
  ws: boolean;
  /**
   * The token's own "whitespace before" flag when `ws` was set from where a macro placed it
   * (cpp's padding); a failed `##` paste prints the right side with its own flag.
   */
  ows?: boolean;
  bol: boolean;
  hide: HideSet | null;
  /** produced by a macro expansion (for cpp's avoid-paste spacing) */
  mac: boolean;
}

const PUNCTS3 = ['<<=', '>>=', '...'];
const PUNCTS2 = ['##', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '->', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^='];
const PUNCT1 = '#()[]{},;:?.+-*/%<>=!~&|^';

function isIdStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x24;
}
function isIdChar(c: number): boolean {
  return isIdStart(c) || (c >= 0x30 && c <= 0x39);
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Tokenize a whole file. Unterminated block comments are errors (file:line:col). */
export function tokenize(src: string, file: string): PPToken[] {
  const out: PPToken[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let ws = false;
  let bol = true;
  const n = src.length;
  const push = (kind: PPKind, start: number, end: number, startLine: number, startLineStart: number) => {
    out.push({ kind, text: src.slice(start, end), file, line: startLine, col: start - startLineStart + 1, ws, bol, hide: null, mac: false });
    ws = false;
    bol = false;
  };
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 0x0a) {
      out.push({ kind: 'nl', text: '\n', file, line, col: i - lineStart + 1, ws: false, bol: false, hide: null, mac: false });
      i++;
      line++;
      lineStart = i;
      ws = true; // a newline separates tokens like a space (inside macro arguments)
      bol = true;
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0c || c === 0x0b) {
      i++;
      ws = true;
      continue;
    }
    if (c === 0x5c /* \ */ && (src.charCodeAt(i + 1) === 0x0a || (src.charCodeAt(i + 1) === 0x0d && src.charCodeAt(i + 2) === 0x0a))) {
      i += src.charCodeAt(i + 1) === 0x0a ? 2 : 3;
      line++;
      lineStart = i;
      ws = true;
      continue;
    }
    if (c === 0x2f /* / */ && src.charCodeAt(i + 1) === 0x2a) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) {
        throw new DtError('unterminated-comment', 'unterminated /* comment', { file, line, col: i - lineStart + 1 });
      }
      for (let k = i; k < end; k++) {
        if (src.charCodeAt(k) === 0x0a) {
          line++;
          lineStart = k + 1;
        }
      }
      i = end + 2;
      ws = true;
      continue;
    }
    if (c === 0x2f && src.charCodeAt(i + 1) === 0x2f) {
      // a // comment runs to the end of the line, across backslash-newlines
      let k = i + 2;
      while (k < n && src.charCodeAt(k) !== 0x0a) {
        if (src.charCodeAt(k) === 0x5c && src.charCodeAt(k + 1) === 0x0a) {
          k += 2;
          line++;
          lineStart = k;
          continue;
        }
        k++;
      }
      i = k;
      ws = true;
      continue;
    }
    const start = i;
    const sl = line;
    const sls = lineStart;
    if (isIdStart(c)) {
      i++;
      while (i < n && isIdChar(src.charCodeAt(i))) i++;
      push('id', start, i, sl, sls);
      continue;
    }
    if (isDigit(c) || (c === 0x2e && isDigit(src.charCodeAt(i + 1)))) {
      i++;
      for (;;) {
        const d = src.charCodeAt(i);
        if ((d === 0x2b || d === 0x2d) && /[eEpP]/.test(src[i - 1]!)) i++;
        else if (isIdChar(d) || d === 0x2e) i++;
        else break;
      }
      push('num', start, i, sl, sls);
      continue;
    }
    if (c === 0x22 || c === 0x27) {
      let k = i + 1;
      let ok = false;
      while (k < n) {
        const d = src.charCodeAt(k);
        if (d === 0x0a) break;
        if (d === 0x5c) {
          k += 2;
          continue;
        }
        k++;
        if (d === c) {
          ok = true;
          break;
        }
      }
      if (ok) {
        push(c === 0x22 ? 'str' : 'chr', start, k, sl, sls);
        i = k;
      } else {
        // assembler mode: a lone quote is just a character
        i++;
        push('other', start, i, sl, sls);
      }
      continue;
    }
    const three = src.slice(i, i + 3);
    if (PUNCTS3.includes(three)) {
      i += 3;
      push('punct', start, i, sl, sls);
      continue;
    }
    const two = src.slice(i, i + 2);
    if (PUNCTS2.includes(two)) {
      i += 2;
      push('punct', start, i, sl, sls);
      continue;
    }
    i++;
    push(PUNCT1.includes(src[start]!) ? 'punct' : 'other', start, i, sl, sls);
  }
  return out;
}
