/** dtc's string escapes: \a \b \t \n \v \f \r, up to 3 octal digits, \x with up to 2 hex digits. */
import { DtError, type SrcPos } from '../errors.js';

const SIMPLE: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13 };

/** Decode the text between the quotes into bytes. */
export function decodeEscapes(s: string, pos: SrcPos): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i++);
    if (c !== 0x5c /* \ */) {
      pushChar(out, c);
      continue;
    }
    const e = s[i] ?? '';
    if (e in SIMPLE) {
      out.push(SIMPLE[e]!);
      i++;
    } else if (e >= '0' && e <= '7') {
      let j = i;
      while (j < i + 3 && s[j]! >= '0' && s[j]! <= '7') j++;
      out.push(parseInt(s.slice(i, j), 8) & 0xff);
      i = j;
    } else if (e === 'x') {
      let j = i + 1;
      while (j < i + 3 && /[0-9a-fA-F]/.test(s[j] ?? '')) j++;
      if (j === i + 1) throw new DtError('bad-escape', '\\x used with no following hex digits', pos);
      out.push(parseInt(s.slice(i + 1, j), 16));
      i = j;
    } else {
      pushChar(out, s.charCodeAt(i++));
    }
  }
  return out;
}

/** Sources are read as latin-1, so each character is one byte of the file. */
function pushChar(out: number[], c: number): void {
  out.push(c & 0xff);
}

/** Bytes as a latin-1 string (file names); no spread, so any length works. */
export function latin1(bytes: number[]): string {
  return Buffer.from(bytes).toString('latin1');
}
