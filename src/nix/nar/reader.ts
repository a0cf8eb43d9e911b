import { NarError } from '../errors.js';
import { LIMITS, NAR_MAGIC, TOKENS, checkEntryName, checkSymlinkTarget, decodeName, decodeU64, padding } from './wire.js';

/**
 * Events of a streaming NAR parse. Paths are relative to the archive root ('' is the root),
 * `offset` is the byte offset of a file's contents in the NAR. Contents arrive as one or more
 * 'contents' chunks (none for an empty file); chunk boundaries depend on the input chunking.
 */
export type NarEvent =
  | { type: 'directory'; path: string }
  | { type: 'regular'; path: string; executable: boolean; size: number; offset: number }
  | { type: 'contents'; path: string; data: Uint8Array }
  | { type: 'symlink'; path: string; target: string };

const latin1 = new TextDecoder('latin1');

/**
 * What the next string of the NAR is, in the parser's state machine. Strings are read in two
 * steps: the u64 length (`len`), then the bytes and their padding together (`str`); a file's
 * contents are streamed (`stream`) and their padding read on its own (`pad`).
 */
const enum St {
  Magic,
  Open, // "(" starting a node
  Type, // "type"
  TypeValue, // "regular" | "symlink" | "directory"
  RegToken, // "executable" or "contents"
  ExecValue, // the empty string after "executable"
  Contents, // "contents" after the executable marker
  ContentsLen, // the contents' length (u64, not a string)
  RegClose, // ")" after the contents
  SymTarget, // "target"
  SymValue, // the target
  SymClose, // ")"
  DirToken, // "entry" or ")"
  EntOpen, // "("
  EntName, // "name"
  EntNameValue, // the name
  EntNode, // "node"
  EntClose, // ")" ending the entry
}

type Phase = 'len' | 'str' | 'stream' | 'pad';

interface DirFrame {
  path: string;
  depth: number;
  prev: string | null;
}

/**
 * A push parser: feed chunks with push(), get events back, call end() at EOF.
 * Validates what Nix validates (token order, zero padding, names, strict order) and more
 * (limits on every length before anything is allocated, a depth limit, no trailing data).
 * Memory is bounded by LIMITS, whatever lengths the input claims. An explicit state machine
 * (no generators): a fetch parses every NAR on the main thread.
 */
export class NarParser {
  /** Bytes consumed so far. */
  offset = 0;
  private st: St = St.Magic;
  private phase: Phase = 'len';
  /** Bytes wanted by the current phase (for `stream`: contents bytes left). */
  private want = 8;
  /** Length of the string being read (its padding follows in the same read). */
  private strLen = 0;
  private finished = false;
  private readonly acc = new Uint8Array(Math.max(LIMITS.name, LIMITS.target) + 8);
  private have = 0;
  private events: NarEvent[] = [];
  private readonly maxSize: number;
  private readonly stack: DirFrame[] = [];
  /** Path and depth of the node being read. */
  private path = '';
  private depth = 0;
  private executable = false;

  /** `maxSize`: refuse (early) a NAR claiming more bytes than this, e.g. the narinfo's NarSize. */
  constructor(opts: { maxSize?: number } = {}) {
    this.maxSize = opts.maxSize ?? LIMITS.contents;
  }

  get done(): boolean {
    return this.finished;
  }

  push(chunk: Uint8Array): NarEvent[] {
    let pos = 0;
    const len = chunk.length;
    while (!this.finished && pos < len) {
      if (this.phase === 'stream') {
        const take = Math.min(this.want, len - pos);
        this.events.push({ type: 'contents', path: this.path, data: chunk.subarray(pos, pos + take) });
        pos += take;
        this.offset += take;
        this.want -= take;
        if (this.want === 0) this.afterContents();
      } else if (this.have === 0 && len - pos >= this.want) {
        const n = this.want;
        const value = chunk.subarray(pos, pos + n);
        pos += n;
        this.offset += n;
        this.step(value);
      } else {
        const take = Math.min(this.want - this.have, len - pos);
        this.acc.set(chunk.subarray(pos, pos + take), this.have);
        this.have += take;
        pos += take;
        this.offset += take;
        if (this.have === this.want) {
          this.have = 0;
          this.step(this.acc.subarray(0, this.want));
        }
      }
    }
    if (this.finished && pos < len) {
      throw new NarError('trailing-data', `NAR offset ${this.offset}: data after the end of the archive`);
    }
    return this.take();
  }

  end(): NarEvent[] {
    if (!this.finished) throw new NarError('truncated', `NAR truncated at offset ${this.offset}`);
    return this.take();
  }

  private take(): NarEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  private fail(code: ConstructorParameters<typeof NarError>[0], msg: string): never {
    throw new NarError(code, `NAR offset ${this.offset}: ${msg}`);
  }

  /** The longest string allowed in the current state, and what it is called in errors. */
  private limit(): [number, string] {
    switch (this.st) {
      case St.EntNameValue:
        return [LIMITS.name, 'entry name'];
      case St.SymValue:
        return [LIMITS.target, 'symlink target'];
      case St.ExecValue:
        return [LIMITS.token, 'executable marker'];
      default:
        return [LIMITS.token, 'token'];
    }
  }

  /** A complete read of `want` bytes for the current phase. */
  private step(b: Uint8Array): void {
    if (this.phase === 'len') {
      const n = decodeU64(b);
      if (this.st === St.ContentsLen) {
        const limit = this.maxSize - this.offset;
        if (n < 0 || n > limit) this.fail('too-long', `contents length ${n < 0 ? '≥ 2^53' : n} over the limit of ${limit}`);
        this.events.push({ type: 'regular', path: this.path, executable: this.executable, size: n, offset: this.offset });
        if (n === 0) this.afterContents();
        else {
          this.phase = 'stream';
          this.want = n;
        }
        return;
      }
      const [limit, what] = this.limit();
      if (n < 0 || n > limit) this.fail('too-long', `${what} length ${n < 0 ? '≥ 2^53' : n} over the limit of ${limit}`);
      if (n === 0) {
        this.value(b.subarray(0, 0));
        return;
      }
      this.strLen = n;
      this.phase = 'str';
      this.want = n + padding(n);
      return;
    }
    if (this.phase === 'pad') {
      for (let i = 0; i < b.length; i++) if (b[i] !== 0) this.fail('bad-padding', 'non-zero padding');
      this.phase = 'len';
      this.want = 8;
      this.st = St.RegClose;
      return;
    }
    // 'str': the bytes, then zero padding
    const n = this.strLen;
    for (let i = n; i < b.length; i++) if (b[i] !== 0) this.fail('bad-padding', 'non-zero padding');
    this.value(b.subarray(0, n));
  }

  private afterContents(): void {
    const p = padding(this.offset);
    if (p === 0) {
      this.phase = 'len';
      this.want = 8;
      this.st = St.RegClose;
    } else {
      this.phase = 'pad';
      this.want = p;
    }
  }

  private expect(v: Uint8Array, tok: string): void {
    if (v.length !== tok.length || latin1.decode(v) !== tok) {
      this.fail('bad-token', `expected ${JSON.stringify(tok)}, got ${JSON.stringify(latin1.decode(v))}`);
    }
  }

  /** Start reading a node at `path` (its "(" comes next). */
  private startNode(path: string, depth: number): void {
    if (depth > LIMITS.depth) this.fail('too-deep', `directories nested deeper than ${LIMITS.depth}`);
    this.path = path;
    this.depth = depth;
    this.st = St.Open;
  }

  /** A node's ")" was read: back to its directory's entry, or the end of the archive. */
  private endNode(): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.finished = true;
      return;
    }
    this.path = top.path;
    this.depth = top.depth;
    this.st = St.EntClose;
  }

  /** A complete string `v` in state `st`. */
  private value(v: Uint8Array): void {
    this.phase = 'len';
    this.want = 8;
    switch (this.st) {
      case St.Magic:
        this.expect(v, NAR_MAGIC);
        this.startNode('', 0);
        return;
      case St.Open:
        this.expect(v, TOKENS.open);
        this.st = St.Type;
        return;
      case St.Type:
        this.expect(v, TOKENS.type);
        this.st = St.TypeValue;
        return;
      case St.TypeValue: {
        const type = latin1.decode(v);
        if (type === TOKENS.regular) {
          this.executable = false;
          this.st = St.RegToken;
        } else if (type === TOKENS.symlink) this.st = St.SymTarget;
        else if (type === TOKENS.directory) {
          this.events.push({ type: 'directory', path: this.path });
          this.stack.push({ path: this.path, depth: this.depth, prev: null });
          this.st = St.DirToken;
        } else this.fail('bad-token', `unknown file type ${JSON.stringify(type)}`);
        return;
      }
      case St.RegToken: {
        const tok = latin1.decode(v);
        if (tok === TOKENS.executable) this.st = St.ExecValue;
        else if (tok === TOKENS.contents) this.st = St.ContentsLen;
        else this.fail('bad-token', `expected "contents", got ${JSON.stringify(tok)}`);
        return;
      }
      case St.ExecValue:
        if (v.length !== 0) this.fail('bad-token', 'executable marker has a non-empty value');
        this.executable = true;
        this.st = St.Contents;
        return;
      case St.Contents: {
        const tok = latin1.decode(v);
        if (tok !== TOKENS.contents) this.fail('bad-token', `expected "contents", got ${JSON.stringify(tok)}`);
        this.st = St.ContentsLen;
        return;
      }
      case St.RegClose:
      case St.SymClose:
        this.expect(v, TOKENS.close);
        this.endNode();
        return;
      case St.SymTarget:
        this.expect(v, TOKENS.target);
        this.st = St.SymValue;
        return;
      case St.SymValue: {
        const target = decodeName(v);
        checkSymlinkTarget(target, `NAR offset ${this.offset}`);
        this.events.push({ type: 'symlink', path: this.path, target });
        this.st = St.SymClose;
        return;
      }
      case St.DirToken: {
        const tok = latin1.decode(v);
        if (tok === TOKENS.close) {
          this.stack.pop();
          this.endNode();
        } else if (tok === TOKENS.entry) this.st = St.EntOpen;
        else this.fail('bad-token', `expected "entry" or ")", got ${JSON.stringify(tok)}`);
        return;
      }
      case St.EntOpen:
        this.expect(v, TOKENS.open);
        this.st = St.EntName;
        return;
      case St.EntName:
        this.expect(v, TOKENS.name);
        this.st = St.EntNameValue;
        return;
      case St.EntNameValue: {
        const dir = this.stack[this.stack.length - 1]!;
        const name = decodeName(v);
        checkEntryName(name, dir.prev, `NAR offset ${this.offset}`);
        dir.prev = name;
        this.path = dir.path === '' ? name : `${dir.path}/${name}`;
        this.st = St.EntNode;
        return;
      }
      case St.EntNode:
        this.expect(v, TOKENS.node);
        this.startNode(this.path, this.stack[this.stack.length - 1]!.depth + 1);
        return;
      case St.EntClose:
        this.expect(v, TOKENS.close);
        this.st = St.DirToken;
        return;
      case St.ContentsLen:
        throw new Error('unreachable: the contents length is not a string');
    }
  }
}

/** Parse a whole NAR stream, yielding events; throws on the first violation. */
export async function* parseNar(
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: { maxSize?: number } = {},
): AsyncGenerator<NarEvent> {
  const p = new NarParser(opts);
  for await (const chunk of input) yield* p.push(chunk);
  yield* p.end();
}
