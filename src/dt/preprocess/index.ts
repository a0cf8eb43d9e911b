/**
 * A C preprocessor for device-tree sources, behaving like `cpp -nostdinc -undef -x
 * assembler-with-cpp` as the kernel runs it: #include "..." (the including file's directory,
 * then the search path) and <...> (search path only), #define/#undef, #if/#ifdef/#ifndef/
 * #elif/#else/#endif, #error; lines starting with an unknown `#word` (`#address-cells`) are
 * ordinary text. The output carries cpp-style line markers so later errors point at the
 * original file:line:col.
 */
import { dirname, join } from 'node:path';
import { DtError, type SrcPos } from '../errors.js';
import { evalIf } from './expr.js';
import { Expander, ExpansionBudget, type Macro } from './macros.js';
import { tokenize, type PPToken } from './tokens.js';

export type Defines = Record<string, string> | string[];

/** Lexed files and existence checks, reusable across many compiles of related sources. */
export interface PreprocessCache {
  tokens: Map<string, PPToken[]>;
  text: Map<string, string | undefined>;
}

export function createPreprocessCache(): PreprocessCache {
  return { tokens: new Map(), text: new Map() };
}

export interface PreprocessOptions {
  includeDirs: string[];
  defines: Defines;
  readFile: (path: string) => string | undefined;
  cache?: PreprocessCache | undefined;
  /** Counts (and limits) what macro expansion produces; a fresh one per run by default. */
  budget?: ExpansionBudget | undefined;
}

const DIRECTIVES = new Set(['include', 'include_next', 'define', 'undef', 'if', 'ifdef', 'ifndef', 'elif', 'else', 'endif', 'error', 'warning', 'pragma', 'line', 'ident']);
const MAX_DEPTH = 200;

interface Cond {
  taken: boolean;
  sawElse: boolean;
  pos: SrcPos;
}

interface Frame {
  path: string;
  toks: PPToken[];
  i: number;
  conds: Cond[];
}

function posOf(t: PPToken): SrcPos {
  return { file: t.file, line: t.line, col: Math.max(t.col, 1) };
}

export function preprocess(text: string, filename: string, opts: PreprocessOptions): string {
  return new Preprocessor(opts).run(text, filename);
}

class Preprocessor {
  private macros = new Map<string, Macro>();
  private frames: Frame[] = [];
  private once = new Set<string>();
  private cache: PreprocessCache;
  private out: string[] = [];
  private outFile: string | undefined;
  private outLine = 0;
  private atBol = true;
  private prev: PPToken | undefined;
  private budget: ExpansionBudget;

  constructor(private opts: PreprocessOptions) {
    this.cache = opts.cache ?? createPreprocessCache();
    this.budget = opts.budget ?? new ExpansionBudget();
    const builtin = (name: string, v: string) => this.defineText(name, v, '<built-in>');
    builtin('__STDC__', '1');
    builtin('__STDC_HOSTED__', '1');
    builtin('__ASSEMBLER__', '1');
    this.macros.set('__FILE__', {
      name: '__FILE__',
      params: null,
      variadic: false,
      body: [],
      builtin: (at) => ({ ...at, kind: 'str', text: JSON.stringify(this.frames[this.frames.length - 1]?.path ?? at.file), mac: true }),
    });
    this.macros.set('__LINE__', {
      name: '__LINE__',
      params: null,
      variadic: false,
      body: [],
      builtin: (at) => ({ ...at, kind: 'num', text: String(at.line), mac: true }),
    });
    const defs = opts.defines;
    const list: [string, string][] = Array.isArray(defs)
      ? defs.map((d) => {
          const eq = d.indexOf('=');
          return eq < 0 ? [d, '1'] : [d.slice(0, eq), d.slice(eq + 1)];
        })
      : Object.entries(defs);
    for (const [k, v] of list) this.defineText(k, v, '<command-line>');
  }

  private defineText(name: string, value: string, file: string): void {
    const toks = tokenize(`${name} ${value}`, file).filter((t) => t.kind !== 'nl');
    this.define(toks, { file, line: 1, col: 1 });
  }

  private readText(path: string): string | undefined {
    if (this.cache.text.has(path)) return this.cache.text.get(path);
    const t = this.opts.readFile(path);
    this.cache.text.set(path, t);
    return t;
  }

  private tokensOf(path: string, text: string): PPToken[] {
    let toks = this.cache.tokens.get(path);
    if (!toks) {
      toks = tokenize(text, path);
      this.cache.tokens.set(path, toks);
    }
    return toks;
  }

  run(text: string, filename: string): string {
    this.frames.push({ path: filename, toks: tokenize(text, filename), i: 0, conds: [] });
    const exp = new Expander(this.macros, { next: () => this.pull() }, this.budget);
    for (;;) {
      exp.resetBudget();
      const t = exp.next();
      if (!t) break;
      this.emit(t);
    }
    this.out.push('\n');
    return this.out.join('');
  }

  /** Next source token (directives are carried out here, so they work inside macro arguments too). */
  private pull(): PPToken | undefined {
    for (;;) {
      const f = this.frames[this.frames.length - 1];
      if (!f) return undefined;
      if (f.i >= f.toks.length) {
        const open = f.conds[f.conds.length - 1];
        if (open) throw new DtError('unbalanced-conditional', 'unterminated #if/#ifdef/#ifndef (missing #endif)', open.pos);
        this.frames.pop();
        continue;
      }
      const t = f.toks[f.i++]!;
      if (t.kind === 'nl') continue;
      if (t.bol && t.text === '#' && t.kind === 'punct') {
        const name = f.toks[f.i];
        if (!name || name.kind === 'nl') continue; // null directive
        if ((name.kind === 'id' && DIRECTIVES.has(name.text)) || name.kind === 'num') {
          this.directive(f, t);
          continue;
        }
      }
      return t;
    }
  }

  /** Tokens up to (not including) the end of the line; f.i moves past the newline. */
  private restOfLine(f: Frame): PPToken[] {
    const start = f.i;
    while (f.i < f.toks.length && f.toks[f.i]!.kind !== 'nl') f.i++;
    const line = f.toks.slice(start, f.i);
    if (f.i < f.toks.length) f.i++;
    return line;
  }

  private directive(f: Frame, hash: PPToken): void {
    const nameTok = f.toks[f.i++]!;
    const args = this.restOfLine(f);
    const name = nameTok.kind === 'num' ? 'line' : nameTok.text;
    const at = posOf(nameTok);
    switch (name) {
      case 'define':
        this.define(args, at);
        return;
      case 'undef':
        if (args[0]?.kind !== 'id') throw new DtError('bad-directive', 'macro name missing after #undef', at);
        this.macros.delete(args[0].text);
        return;
      case 'include':
      case 'include_next':
        this.include(f, args, at);
        return;
      case 'ifdef':
      case 'ifndef': {
        if (args[0]?.kind !== 'id') throw new DtError('bad-directive', `macro name missing after #${name}`, at);
        const def = this.macros.has(args[0].text);
        this.openIf(f, name === 'ifdef' ? def : !def, posOf(hash));
        return;
      }
      case 'if':
        this.openIf(f, this.evalCondition(args, at), posOf(hash));
        return;
      case 'elif':
      case 'else': {
        const c = f.conds[f.conds.length - 1];
        if (!c) throw new DtError('unbalanced-conditional', `#${name} without #if`, at);
        if (c.sawElse) throw new DtError('unbalanced-conditional', `#${name} after #else`, at);
        if (name === 'else') c.sawElse = true;
        // we were in the taken branch: skip everything up to #endif
        this.skip(f, true);
        return;
      }
      case 'endif':
        if (!f.conds.pop()) throw new DtError('unbalanced-conditional', '#endif without #if', at);
        return;
      case 'error':
        throw new DtError('error-directive', `#error ${args.map((t, k) => (k > 0 && t.ws ? ' ' : '') + t.text).join('')}`, at);
      case 'pragma':
        if (args[0]?.text === 'once') this.once.add(f.path);
        return;
      default:
        return; // #warning, #line, #ident, line markers: nothing to do for DTS
    }
  }

  private openIf(f: Frame, value: boolean, pos: SrcPos): void {
    f.conds.push({ taken: value, sawElse: false, pos });
    if (!value) this.skip(f, false);
  }

  /**
   * Skip a group. With `toEndif`, skip to the matching #endif; otherwise stop at an #elif
   * that is true or an #else (their group is then active).
   */
  private skip(f: Frame, toEndif: boolean): void {
    const c = f.conds[f.conds.length - 1]!;
    let depth = 0;
    while (f.i < f.toks.length) {
      const t = f.toks[f.i]!;
      if (!(t.bol && t.text === '#' && t.kind === 'punct')) {
        this.restOfLine(f);
        continue;
      }
      f.i++;
      const nameTok = f.toks[f.i];
      if (!nameTok || nameTok.kind === 'nl') continue;
      f.i++;
      const name = nameTok.text;
      if (name === 'if' || name === 'ifdef' || name === 'ifndef') {
        depth++;
        this.restOfLine(f);
      } else if (name === 'endif') {
        this.restOfLine(f);
        if (depth === 0) {
          f.conds.pop();
          return;
        }
        depth--;
      } else if (depth === 0 && (name === 'elif' || name === 'else')) {
        const args = this.restOfLine(f);
        if (c.sawElse) throw new DtError('unbalanced-conditional', `#${name} after #else`, posOf(nameTok));
        if (name === 'else') c.sawElse = true;
        if (toEndif || c.taken) continue;
        if (name === 'else' || this.evalCondition(args, posOf(nameTok))) {
          c.taken = true;
          return;
        }
      } else {
        this.restOfLine(f);
      }
    }
    throw new DtError('unbalanced-conditional', 'unterminated #if/#ifdef/#ifndef (missing #endif)', c.pos);
  }

  private evalCondition(args: PPToken[], at: SrcPos): boolean {
    // `defined X` and `defined(X)` are decided before macro expansion
    const pre: PPToken[] = [];
    for (let i = 0; i < args.length; i++) {
      const t = args[i]!;
      if (t.kind === 'id' && t.text === 'defined') {
        let j = i + 1;
        const paren = args[j]?.text === '(';
        if (paren) j++;
        const nm = args[j];
        if (!nm || nm.kind !== 'id') throw new DtError('bad-directive', 'operator "defined" requires an identifier', at);
        if (paren && args[j + 1]?.text !== ')') throw new DtError('bad-directive', 'missing \')\' after "defined"', at);
        pre.push({ ...t, kind: 'num', text: this.macros.has(nm.text) ? '1' : '0' });
        i = paren ? j + 1 : j;
        continue;
      }
      pre.push(t);
    }
    let k = 0;
    const exp = new Expander(this.macros, { next: () => pre[k++] }, this.budget);
    const toks: PPToken[] = [];
    for (let t = exp.next(); t; t = exp.next()) toks.push(t);
    if (toks.length === 0) throw new DtError('bad-directive', '#if with no expression', at);
    return evalIf(toks, at);
  }

  private define(args: PPToken[], at: SrcPos): void {
    const nameTok = args[0];
    if (!nameTok || nameTok.kind !== 'id') throw new DtError('bad-directive', 'macro names must be identifiers', at);
    const name = nameTok.text;
    let i = 1;
    let params: string[] | null = null;
    let variadic = false;
    if (args[1]?.text === '(' && !args[1].ws) {
      params = [];
      i = 2;
      for (;;) {
        const t = args[i++];
        if (!t) throw new DtError('bad-directive', `missing ')' in parameter list of macro "${name}"`, at);
        if (t.text === ')') break;
        if (t.text === ',') continue;
        if (t.text === '...') {
          params.push('__VA_ARGS__');
          variadic = true;
        } else if (t.kind === 'id') {
          if (args[i]?.text === '...') {
            variadic = true;
            i++;
          }
          params.push(t.text);
        } else throw new DtError('bad-directive', `"${t.text}" may not appear in macro parameter list`, posOf(t));
      }
    }
    const body = args.slice(i);
    if (body[0]) body[0] = { ...body[0], ws: false };
    this.macros.set(name, { name, params, variadic, body });
  }

  private include(f: Frame, args: PPToken[], at: SrcPos): void {
    let toks = args;
    if (toks[0] && toks[0].kind !== 'str' && toks[0].text !== '<') {
      let k = 0;
      const exp = new Expander(this.macros, { next: () => args[k++] }, this.budget);
      toks = [];
      for (let t = exp.next(); t; t = exp.next()) toks.push(t);
    }
    const first = toks[0];
    let name: string;
    let quoted: boolean;
    if (first?.kind === 'str') {
      name = first.text.slice(1, -1);
      quoted = true;
    } else if (first?.text === '<') {
      const close = toks.findIndex((t) => t.text === '>');
      if (close < 0) throw new DtError('bad-directive', 'missing terminating > character in #include', at);
      name = toks.slice(1, close).map((t, k) => (k > 0 && t.ws ? ' ' : '') + t.text).join('');
      quoted = false;
    } else {
      throw new DtError('bad-directive', '#include expects "FILENAME" or <FILENAME>', at);
    }
    const dirs = quoted ? [dirname(f.path), ...this.opts.includeDirs] : this.opts.includeDirs;
    let found: string | undefined;
    let text: string | undefined;
    for (const d of dirs) {
      const p = name.startsWith('/') ? name : join(d, name);
      text = this.readText(p);
      if (text !== undefined) {
        found = p;
        break;
      }
    }
    if (found === undefined || text === undefined) {
      const where = dirs.length > 0 ? ` (searched ${dirs.join(', ')})` : ' (no include directories given: add -i DIR)';
      throw new DtError('missing-include', `#include ${quoted ? `"${name}"` : `<${name}>`}: file not found${where}`, at);
    }
    if (this.once.has(found)) return;
    const seen = this.frames.filter((fr) => fr.path === found).length;
    if (seen >= 2 || this.frames.length >= MAX_DEPTH) {
      const chain = [...this.frames.map((fr) => fr.path), found].join(' -> ');
      throw new DtError('include-cycle', `#include "${name}" forms a cycle: ${chain}`, at);
    }
    this.frames.push({ path: found, toks: this.tokensOf(found, text), i: 0, conds: [] });
  }

  /** Write a token, keeping output lines in step with the source (cpp-style line markers). */
  private emit(t: PPToken): void {
    const out = this.out;
    if (t.file !== this.outFile || t.line < this.outLine || t.line > this.outLine + 8) {
      out.push(`${this.atBol ? '' : '\n'}# ${t.line} ${JSON.stringify(t.file)}\n`);
      this.outFile = t.file;
      this.outLine = t.line;
      this.atBol = true;
    }
    while (this.outLine < t.line) {
      out.push('\n');
      this.outLine++;
      this.atBol = true;
    }
    if (this.atBol) {
      if (t.col > 1) out.push(' '.repeat(t.col - 1));
    } else if (t.ws || (this.prev && (this.prev.mac || t.mac) && avoidPaste(this.prev, t))) {
      out.push(' ');
    }
    out.push(t.text);
    this.atBol = false;
    this.prev = t;
  }
}

/** Would printing `b` right after `a` lex differently? (cpp's cpp_avoid_paste) */
function avoidPaste(a: PPToken, b: PPToken): boolean {
  const c = b.text[0] ?? '';
  if (a.kind === 'id') return b.kind === 'id' || b.kind === 'num' || b.kind === 'chr' || b.kind === 'str';
  if (a.kind === 'num') return b.kind === 'num' || b.kind === 'id' || b.kind === 'chr' || c === '.' || c === '+' || c === '-';
  if (a.kind === 'other') return a.text === '\\' && b.kind === 'id';
  if (a.kind !== 'punct') return false;
  if (c === '=' && /^(=|!|<|>|\+|-|\*|\/|%|&|\||\^|<<|>>)$/.test(a.text)) return true;
  switch (a.text) {
    case '>': return c === '>';
    case '<': return c === '<' || c === '%' || c === ':';
    case '+': return c === '+';
    case '-': return c === '-' || c === '>';
    case '/': return c === '/' || c === '*';
    case '%': return c === ':' || c === '%';
    case '&': return c === '&';
    case '|': return c === '|';
    case ':': return c === ':' || c === '>';
    case '->': return c === '*';
    case '.': return c === '.' || c === '%' || b.kind === 'num';
    case '#': return c === '#' || c === '%';
    default: return false;
  }
}
