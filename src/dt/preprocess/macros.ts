/**
 * Macro expansion with hide sets (Prosser's algorithm, as in the C standard): object-like and
 * function-like macros, arguments pre-expanded except next to # and ##, `#` stringizing,
 * `##` pasting with placemarkers, variadic macros. A runaway expansion is stopped with a
 * `macro-recursion` error instead of exhausting memory.
 */
import { DtError } from '../errors.js';
import { tokenize, type HideSet, type PPToken } from './tokens.js';

export interface Macro {
  name: string;
  /** null for object-like macros */
  params: string[] | null;
  variadic: boolean;
  body: PPToken[];
  /** __FILE__ / __LINE__ */
  builtin?: (at: PPToken) => PPToken;
}

/** Macro calls nested inside arguments (`F(F(F(...)))`) we expand, each level a recursion. */
const MAX_ARG_NESTING = 400;

/** Tokens produced from one source-level macro use before we call it runaway. */
const MAX_EXPANSION_TOKENS = 200_000;

/**
 * What macro expansion may produce for a whole file (all includes, #if lines, arguments):
 * tokens, and characters of their text (pasting can double a token's length per level).
 * The largest kernel 6.1 DTS produces 34,426 tokens (55 KB), 1/14 of this; a macro bomb hits it in
 * a fraction of a second instead of running for minutes and gigabytes.
 */
export const MAX_FILE_EXPANSION_TOKENS = 500_000;
export const MAX_FILE_EXPANSION_CHARS = 8_000_000;

/** Shared by every expander of one preprocessor run. */
export class ExpansionBudget {
  tokens = 0;
  chars = 0;
  constructor(
    readonly maxTokens = MAX_FILE_EXPANSION_TOKENS,
    readonly maxChars = MAX_FILE_EXPANSION_CHARS,
  ) {}
  /** Count `n` more tokens with `chars` characters; throws once over either limit. */
  spend(n: number, chars: number, at: PPToken | undefined): void {
    this.tokens += n;
    this.chars += chars;
    if (this.tokens <= this.maxTokens && this.chars <= this.maxChars) return;
    const what = this.tokens > this.maxTokens ? `${this.maxTokens} tokens` : `${this.maxChars} characters`;
    throw new DtError(
      'expansion-limit',
      `macro expansion in this file produced more than ${what} (a macro bomb?)`,
      at ? { file: at.file, line: at.line, col: Math.max(at.col, 1) } : undefined,
    );
  }
}

function hidden(hs: HideSet | null, name: string): boolean {
  for (let h = hs; h; h = h.next) if (h.name === name) return true;
  return false;
}
function withName(hs: HideSet | null, name: string): HideSet {
  return hidden(hs, name) ? (hs as HideSet) : { name, next: hs };
}
function intersect(a: HideSet | null, b: HideSet | null): HideSet | null {
  let out: HideSet | null = null;
  for (let h = a; h; h = h.next) if (hidden(b, h.name)) out = { name: h.name, next: out };
  return out;
}
function addHide(hs: HideSet | null, extra: HideSet | null): HideSet | null {
  let out = hs;
  for (let h = extra; h; h = h.next) out = withName(out, h.name);
  return out;
}

/** Reads the next token for expansion; newlines are already dropped by the source. */
export interface TokenSource {
  next(): PPToken | undefined;
}

export class Expander {
  /** pushed-back tokens; the next one is at the end */
  private pending: PPToken[] = [];
  private produced = 0;
  /** the source-level token whose expansion is being counted */
  private origin: PPToken | undefined;
  constructor(
    private macros: Map<string, Macro>,
    private source: TokenSource,
    private budget: ExpansionBudget = new ExpansionBudget(),
    /** how many macro arguments deep this expander works (each level is a recursion) */
    private depth = 0,
  ) {}

  private take(): PPToken | undefined {
    return this.pending.pop() ?? this.source.next();
  }
  private pushBack(toks: PPToken[]): void {
    let chars = 0;
    for (let i = toks.length - 1; i >= 0; i--) {
      this.pending.push(toks[i]!);
      chars += toks[i]!.text.length;
    }
    this.budget.spend(toks.length, chars, this.origin ?? toks[0]);
    this.produced += toks.length;
    if (this.produced > MAX_EXPANSION_TOKENS) {
      const t = this.origin ?? toks[0];
      throw new DtError(
        'macro-recursion',
        `macro expansion produced more than ${MAX_EXPANSION_TOKENS} tokens (runaway recursive macro?)`,
        t ? { file: t.file, line: t.line, col: Math.max(t.col, 1) } : undefined,
      );
    }
  }

  /** Reset the runaway counter (called per top-level token by the driver). */
  resetBudget(): void {
    if (this.pending.length === 0) {
      this.produced = 0;
      this.origin = undefined;
    }
  }

  /** The next fully macro-expanded token, or undefined at the end of the source. */
  next(): PPToken | undefined {
    for (;;) {
      const t = this.take();
      if (!t || t.kind !== 'id') return t;
      const m = this.macros.get(t.text);
      if (!m || hidden(t.hide, t.text)) return t;
      if (m.builtin) return m.builtin(t);
      if (this.origin === undefined && t.col > 0) this.origin = t;
      if (m.params === null) {
        const body = this.subst(m, t, [], withName(t.hide, m.name));
        this.pushBack(body);
        continue;
      }
      const open = this.take();
      if (!open || open.text !== '(' || open.kind !== 'punct') {
        if (open) this.pending.push(open);
        return t;
      }
      const { args, close } = this.collectArgs(m, t);
      const hs = withName(intersect(t.hide, close.hide), m.name);
      this.pushBack(this.subst(m, t, args, hs));
    }
  }

  private collectArgs(m: Macro, nameTok: PPToken): { args: PPToken[][]; close: PPToken } {
    const args: PPToken[][] = [[]];
    let depth = 0;
    const nparams = m.params!.length;
    for (;;) {
      const t = this.take();
      if (!t) {
        throw new DtError('macro-args', `unterminated argument list invoking macro "${m.name}"`, {
          file: nameTok.file,
          line: nameTok.line,
          col: Math.max(nameTok.col, 1),
        });
      }
      if (t.kind === 'punct') {
        if (t.text === '(') depth++;
        else if (t.text === ')') {
          if (depth === 0) {
            if (nparams === 0 && args.length === 1 && args[0]!.length === 0) return { args: [], close: t };
            if (args.length < nparams && !(m.variadic && args.length === nparams - 1)) {
              throw new DtError('macro-args', `macro "${m.name}" requires ${nparams} arguments, but only ${args.length} given`, {
                file: nameTok.file,
                line: nameTok.line,
                col: Math.max(nameTok.col, 1),
              });
            }
            if (args.length > nparams && !(nparams === 0 && args.length === 1)) {
              throw new DtError('macro-args', `macro "${m.name}" passed ${args.length} arguments, but takes just ${nparams}`, {
                file: nameTok.file,
                line: nameTok.line,
                col: Math.max(nameTok.col, 1),
              });
            }
            return { args, close: t };
          }
          depth--;
        } else if (t.text === ',' && depth === 0 && !(m.variadic && args.length === nparams)) {
          args.push([]);
          continue;
        }
      }
      args[args.length - 1]!.push(t);
    }
  }

  /** Fully expand an argument on its own (C's argument pre-expansion). */
  private expandArg(arg: PPToken[]): PPToken[] {
    const queue = arg.slice();
    let i = 0;
    if (this.depth >= MAX_ARG_NESTING) {
      const t = this.origin ?? arg[0];
      throw new DtError(
        'too-deep',
        `macro arguments nested more than ${MAX_ARG_NESTING} deep`,
        t ? { file: t.file, line: t.line, col: Math.max(t.col, 1) } : undefined,
      );
    }
    const sub = new Expander(this.macros, { next: () => queue[i++] }, this.budget, this.depth + 1);
    sub.produced = this.produced;
    sub.origin = this.origin;
    const out: PPToken[] = [];
    for (let t = sub.next(); t; t = sub.next()) out.push(t);
    this.produced = sub.produced;
    return out;
  }

  /** Replace parameters in the body, handle # and ##, stamp hide set and position. */
  private subst(m: Macro, at: PPToken, args: PPToken[][], hs: HideSet | null): PPToken[] {
    const params = m.params ?? [];
    const argOf = (name: string): PPToken[] | undefined => {
      const k = params.indexOf(name);
      if (k < 0) return undefined;
      return args[k] ?? [];
    };
    const expanded = new Map<number, PPToken[]>();
    const body = m.body;
    const out: PPToken[] = [];
    // the copies of arguments made here are counted by pushBack; this stops one substitution
    // (a long argument used many times) from growing unboundedly before that
    const room = Math.max(0, this.budget.maxTokens - this.budget.tokens);
    const check = (): void => {
      if (out.length > room) this.budget.spend(out.length, 0, this.origin ?? at);
    };
    // an explicit literal, not a spread: one object shape keeps this hot path fast
    const stamp = (t: PPToken, ws: boolean): PPToken => ({
      kind: t.kind,
      text: t.text,
      file: at.file,
      line: at.line,
      col: 0,
      ws,
      ows: t.ows ?? t.ws,
      bol: false,
      hide: addHide(t.hide, hs),
      mac: true,
    });
    for (let i = 0; i < body.length; i++) {
      const t = body[i]!;
      const ws = out.length === 0 ? at.ws : t.ws;
      if (m.params !== null && t.text === '#' && t.kind === 'punct' && body[i + 1]?.kind === 'id' && argOf(body[i + 1]!.text)) {
        const arg = argOf(body[i + 1]!.text)!;
        out.push(stamp({ ...t, kind: 'str', text: stringize(arg) }, ws));
        i++;
        continue;
      }
      if (t.text === '##' && t.kind === 'punct' && out.length > 0 && i + 1 < body.length) {
        const rhsTok = body[i + 1]!;
        let rhs: PPToken[] = [rhsTok];
        const rarg = rhsTok.kind === 'id' ? argOf(rhsTok.text) : undefined;
        if (rarg) rhs = rarg;
        // GNU: `, ## __VA_ARGS__` drops the comma when the variable part is empty
        const lhs = out[out.length - 1]!;
        if (rarg && rarg.length === 0 && m.variadic && rhsTok.text === params[params.length - 1] && lhs.text === ',') {
          out.pop();
          i++;
          continue;
        }
        i++;
        if (rhs.length === 0) continue; // pasting a placemarker keeps the left side
        if (lhs.kind === 'pm') {
          out.pop();
          for (let k = 0; k < rhs.length; k++) out.push(stamp(rhs[k]!, k === 0 ? lhs.ws : rhs[k]!.ws));
          check();
          continue;
        }
        const joined = paste(lhs, rhs[0]!);
        // cpp in assembler mode keeps both sides of an invalid paste, each with its own spacing
        if (joined) out[out.length - 1] = { ...joined, hide: lhs.hide };
        // the right side comes out as its own token with its own spacing (cpp re-reads it;
        // the padding around a macro argument is not part of it): `cp0 ## -` gives `cp0-`
        else out.push(stamp(rhs[0]!, rhs[0]!.ows ?? rhs[0]!.ws));
        for (let k = 1; k < rhs.length; k++) out.push(stamp(rhs[k]!, rhs[k]!.ws));
        check();
        continue;
      }
      const arg = t.kind === 'id' ? argOf(t.text) : undefined;
      if (arg) {
        const pasteNext = body[i + 1]?.text === '##';
        let toks: PPToken[];
        if (pasteNext) toks = arg;
        else {
          toks = expanded.get(i) ?? this.expandArg(arg);
          expanded.set(i, toks);
        }
        if (toks.length === 0) {
          if (pasteNext) out.push({ ...t, kind: 'pm', text: '', ws });
          continue;
        }
        for (let k = 0; k < toks.length; k++) out.push(stamp(toks[k]!, k === 0 ? ws : toks[k]!.ws));
        check();
        continue;
      }
      out.push(stamp(t, ws));
    }
    return out.filter((t) => t.kind !== 'pm');
  }
}

function stringize(arg: PPToken[]): string {
  let s = '';
  arg.forEach((t, k) => {
    if (k > 0 && t.ws) s += ' ';
    s += t.kind === 'str' || t.kind === 'chr' ? t.text.replace(/[\\"]/g, (c) => '\\' + c) : t.text;
  });
  return `"${s}"`;
}

/** `a ## b`: the joined spelling, if it lexes as exactly one token. */
function paste(a: PPToken, b: PPToken): PPToken | undefined {
  const text = a.text + b.text;
  // `/` ## `*` or `/` ## `/` make a comment, not a token
  if (text.startsWith('/*') || text.startsWith('//')) return undefined;
  const toks = tokenize(text, a.file).filter((t) => t.kind !== 'nl');
  if (toks.length !== 1) return undefined;
  return { ...a, kind: toks[0]!.kind, text: toks[0]!.text, mac: true };
}
