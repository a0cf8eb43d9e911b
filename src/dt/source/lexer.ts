/**
 * DTS lexer with dtc 1.6.1's start conditions: after `{` or `;` (and the /delete-.../ and
 * /omit-if-no-ref/ keywords) the next word is a property or node name; `[` starts a byte
 * string; everything else is the default (V1) state where numbers are literals.
 * Handles cpp line markers (`# 12 "file.dtsi"`) so positions point into the original files,
 * and dtc's own `/include/ "file"`.
 */
import { DtError, type SrcPos } from '../errors.js';
import { decodeEscapes, latin1 } from './escape.js';

export type TokKind =
  | 'v1'
  | 'plugin'
  | 'memreserve'
  | 'bits'
  | 'delprop'
  | 'delnode'
  | 'omit'
  | 'incbin'
  | 'label'
  | 'literal'
  | 'char'
  | 'labelref'
  | 'pathref'
  | 'byte'
  | 'name'
  | 'string'
  | 'op'
  | 'eof';

export interface Token {
  kind: TokKind;
  /** label/ref/name text, or the operator characters */
  text: string;
  value: bigint;
  bytes: number[] | undefined;
  pos: SrcPos;
}

/** How the lexer reaches files named by /include/ (and the parser's /incbin/). */
export interface SourceFiles {
  /** Resolve `name` relative to `fromDir`, then the search path; undefined if missing. */
  resolve(name: string, fromDir: string | undefined): string | undefined;
  read(path: string): string;
}

type Mode = 'V1' | 'NAME' | 'BYTES';

interface Frame {
  src: string;
  i: number;
  file: string;
  /** directory for relative /include/ (the real file, not line markers) */
  dir: string | undefined;
  line: number;
  lineStart: number;
  realPath: string | undefined;
}

const KEYWORDS: [string, TokKind][] = [
  ['/dts-v1/', 'v1'],
  ['/plugin/', 'plugin'],
  ['/memreserve/', 'memreserve'],
  ['/bits/', 'bits'],
  ['/delete-property/', 'delprop'],
  ['/delete-node/', 'delnode'],
  ['/omit-if-no-ref/', 'omit'],
];
const TWO_CHAR_OPS = new Set(['<<', '>>', '<=', '>=', '==', '!=', '&&', '||']);
const MAX_INCLUDE_DEPTH = 200;

function isPropNodeChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2c || c === 0x2e || c === 0x5f || c === 0x2b || c === 0x2a ||
    c === 0x23 || c === 0x3f || c === 0x40 || c === 0x2d
  );
}
function isLabelStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}
function isLabelChar(c: number): boolean {
  return isLabelStart(c) || (c >= 0x30 && c <= 0x39);
}
function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

const LINEMARKER = /#(?:line)?[ \t]+([0-9]+)[ \t]+"((?:[^\\"\n]|\\.)*)"(?:[ \t]+[0-9]+)*/y;
const INCLUDE = /\/include\/\s*"((?:[^\\"]|\\.)*)"/y;

export class Lexer {
  private mode: Mode = 'V1';
  private frames: Frame[] = [];
  private f: Frame;

  constructor(
    text: string,
    file: string,
    dir: string | undefined,
    private files: SourceFiles | undefined,
  ) {
    this.f = { src: text, i: 0, file, dir, line: 1, lineStart: 0, realPath: undefined };
  }

  /** Directory of the file being read (for /incbin/). */
  get currentDir(): string | undefined {
    return this.f.dir;
  }
  get sourceFiles(): SourceFiles | undefined {
    return this.files;
  }

  pos(at = this.f.i): SrcPos {
    return { file: this.f.file, line: this.f.line, col: at - this.f.lineStart + 1 };
  }

  private err(code: 'syntax' | 'unterminated-string' | 'unterminated-comment' | 'unterminated-char' | 'bad-literal', msg: string, at?: number): never {
    throw new DtError(code, msg, this.pos(at));
  }

  /** Move over src[i..j), keeping line numbers. */
  private advance(j: number): void {
    const f = this.f;
    const s = f.src;
    for (let k = f.i; k < j; k++) {
      if (s.charCodeAt(k) === 10) {
        f.line++;
        f.lineStart = k + 1;
      }
    }
    f.i = j;
  }

  private tok(kind: TokKind, start: number, end: number, text = '', value = 0n, bytes?: number[]): Token {
    const pos = this.pos(start);
    this.advance(end);
    return { kind, text, value, bytes, pos };
  }

  next(): Token {
    for (;;) {
      const f = this.f;
      const s = f.src;
      const i = f.i;
      if (i >= s.length) {
        if (this.frames.length > 0) {
          this.f = this.frames.pop()!;
          continue;
        }
        return { kind: 'eof', text: '', value: 0n, bytes: undefined, pos: this.pos() };
      }
      const c = s.charCodeAt(i);
      if (isSpace(c)) {
        let j = i + 1;
        while (j < s.length && isSpace(s.charCodeAt(j))) j++;
        this.advance(j);
        continue;
      }
      if (c === 0x23 /* # */ && (i === 0 || s.charCodeAt(i - 1) === 10)) {
        LINEMARKER.lastIndex = i;
        const m = LINEMARKER.exec(s);
        if (m) {
          this.advance(i + m[0].length);
          f.file = latin1(decodeEscapes(m[2]!, this.pos(i)));
          // the marker names the line after it
          f.line = parseInt(m[1]!, 10) - 1;
          continue;
        }
      }
      if (c === 0x2f /* / */) {
        const c2 = s.charCodeAt(i + 1);
        if (c2 === 0x2a /* * */) {
          const end = s.indexOf('*/', i + 2);
          if (end < 0) this.err('unterminated-comment', 'unterminated /* comment', i);
          this.advance(end + 2);
          continue;
        }
        if (c2 === 0x2f) {
          const nl = s.indexOf('\n', i);
          this.advance(nl < 0 ? s.length : nl + 1);
          continue;
        }
        if (s.startsWith('/include/', i)) {
          INCLUDE.lastIndex = i;
          const m = INCLUDE.exec(s);
          if (m) {
            const pos = this.pos(i);
            this.advance(i + m[0].length);
            this.pushInclude(latin1(decodeEscapes(m[1]!, pos)), pos);
            continue;
          }
        }
        for (const [kw, kind] of KEYWORDS) {
          if (s.startsWith(kw, i)) {
            if (kind === 'v1' || kind === 'memreserve' || kind === 'bits') this.mode = 'V1';
            else if (kind === 'delprop' || kind === 'delnode' || kind === 'omit') this.mode = 'NAME';
            return this.tok(kind, i, i + kw.length);
          }
        }
        if (this.mode === 'V1' && s.startsWith('/incbin/', i)) return this.tok('incbin', i, i + 8);
      }
      if (c === 0x22 /* " */) {
        let j = i + 1;
        for (;;) {
          if (j >= s.length) this.err('unterminated-string', 'unterminated string (missing closing ")', i);
          const d = s.charCodeAt(j);
          if (d === 0x22) break;
          j += d === 0x5c ? 2 : 1;
        }
        const pos = this.pos(i);
        const bytes = decodeEscapes(s.slice(i + 1, j), pos);
        return this.tok('string', i, j + 1, '', 0n, bytes);
      }
      // label "name:" beats a property/node name and a byte pair
      if (isLabelStart(c)) {
        let j = i + 1;
        while (j < s.length && isLabelChar(s.charCodeAt(j))) j++;
        if (s.charCodeAt(j) === 0x3a /* : */) return this.tok('label', i, j + 1, s.slice(i, j));
      }
      if (this.mode === 'NAME') {
        let j = i + (c === 0x5c ? 1 : 0);
        const start = j;
        while (j < s.length && isPropNodeChar(s.charCodeAt(j))) j++;
        if (j > start) {
          this.mode = 'V1';
          return this.tok('name', i, j, s.slice(start, j));
        }
      } else if (this.mode === 'BYTES') {
        if (isHex(c) && isHex(s.charCodeAt(i + 1))) {
          return this.tok('byte', i, i + 2, '', BigInt(parseInt(s.slice(i, i + 2), 16)));
        }
        if (c === 0x5d /* ] */) {
          this.mode = 'V1';
          return this.tok('op', i, i + 1, ']');
        }
      } else if (c >= 0x30 && c <= 0x39) {
        return this.literal(i);
      }
      if (c === 0x27 /* ' */) return this.charLiteral(i);
      if (c === 0x26 /* & */) {
        const c2 = s.charCodeAt(i + 1);
        if (isLabelStart(c2)) {
          let j = i + 2;
          while (j < s.length && isLabelChar(s.charCodeAt(j))) j++;
          return this.tok('labelref', i, j, s.slice(i + 1, j));
        }
        if (c2 === 0x7b /* { */ && s.charCodeAt(i + 2) === 0x2f) {
          let j = i + 3;
          while (j < s.length && (isPropNodeChar(s.charCodeAt(j)) || s.charCodeAt(j) === 0x2f)) j++;
          if (s.charCodeAt(j) === 0x7d) return this.tok('pathref', i, j + 1, s.slice(i + 2, j));
        }
      }
      const two = s.slice(i, i + 2);
      if (TWO_CHAR_OPS.has(two)) return this.tok('op', i, i + 2, two);
      const ch = s[i]!;
      if (ch === '[') this.mode = 'BYTES';
      else if (ch === '{' || ch === ';') this.mode = 'NAME';
      return this.tok('op', i, i + 1, ch);
    }
  }

  private literal(i: number): Token {
    const s = this.f.src;
    let j = i;
    let hex = false;
    if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && isHex(s.charCodeAt(i + 2))) {
      hex = true;
      j = i + 2;
      while (isHex(s.charCodeAt(j))) j++;
    } else {
      while (s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
    }
    const digitsEnd = j;
    for (const suf of ['ULL', 'UL', 'LL', 'U', 'L']) {
      if (s.startsWith(suf, j)) {
        j += suf.length;
        break;
      }
    }
    const text = s.slice(i, digitsEnd);
    let value: bigint;
    if (hex) value = BigInt(text);
    else if (text.length > 1 && text[0] === '0') {
      if (!/^[0-7]+$/.test(text)) this.err('bad-literal', `bad integer literal '${s.slice(i, j)}'`, i);
      value = BigInt('0o' + text.slice(1));
    } else value = BigInt(text);
    if (value > 0xffffffffffffffffn) this.err('bad-literal', `integer literal '${s.slice(i, j)}' out of range`, i);
    return this.tok('literal', i, j, s.slice(i, j), value);
  }

  private charLiteral(i: number): Token {
    const s = this.f.src;
    let j = i + 1;
    while (j < s.length && s[j] !== "'") j += s[j] === '\\' && s[j + 1] === "'" ? 2 : 1;
    if (j >= s.length) {
      // longest match may end at an escaped quote taken literally
      j = s.indexOf("'", i + 1);
      if (j < 0) this.err('unterminated-char', 'unterminated character literal', i);
    }
    const pos = this.pos(i);
    const bytes = decodeEscapes(s.slice(i + 1, j), pos);
    if (bytes.length === 0) throw new DtError('bad-literal', 'empty character literal', pos);
    if (bytes.length > 1) throw new DtError('bad-literal', `character literal has ${bytes.length} characters instead of 1`, pos);
    return this.tok('char', i, j + 1, s.slice(i, j + 1), BigInt(bytes[0]!));
  }

  private pushInclude(name: string, pos: SrcPos): void {
    if (this.frames.length >= MAX_INCLUDE_DEPTH) {
      throw new DtError('include-cycle', `/include/ "${name}": includes nested more than ${MAX_INCLUDE_DEPTH} deep (an include cycle?)`, pos);
    }
    const path = this.files?.resolve(name, this.f.dir);
    if (path === undefined) throw new DtError('missing-include', `/include/ "${name}": file not found`, pos);
    if (path === this.f.realPath || this.frames.some((fr) => fr.realPath === path)) {
      const chain = [...this.frames.map((fr) => fr.realPath ?? fr.file), this.f.realPath ?? this.f.file, path];
      throw new DtError('include-cycle', `/include/ "${name}" includes itself: ${chain.join(' -> ')}`, pos);
    }
    const text = this.files!.read(path);
    this.frames.push(this.f);
    const slash = path.lastIndexOf('/');
    this.f = { src: text, i: 0, file: path, dir: slash >= 0 ? path.slice(0, slash) || '/' : undefined, line: 1, lineStart: 0, realPath: path };
  }
}
