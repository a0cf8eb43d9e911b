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

type Need = { kind: 'read'; n: number } | { kind: 'stream'; path: string; remaining: number };

const latin1 = new TextDecoder('latin1');

/**
 * A push parser: feed chunks with push(), get events back, call end() at EOF.
 * Validates what Nix validates (token order, zero padding, names, strict order) and more
 * (limits on every length before anything is allocated, a depth limit, no trailing data).
 * Memory is bounded by LIMITS, whatever lengths the input claims.
 */
export class NarParser {
  /** Bytes consumed so far. */
  offset = 0;
  private readonly gen: Generator<Need, void, Uint8Array | undefined>;
  private need: Need | null;
  private readonly acc = new Uint8Array(Math.max(LIMITS.name, LIMITS.target) + 8);
  private have = 0;
  private events: NarEvent[] = [];
  private readonly maxSize: number;

  /** `maxSize`: refuse (early) a NAR claiming more bytes than this, e.g. the narinfo's NarSize. */
  constructor(opts: { maxSize?: number } = {}) {
    this.maxSize = opts.maxSize ?? LIMITS.contents;
    this.gen = this.archive();
    this.need = this.gen.next().value ?? null;
  }

  get done(): boolean {
    return this.need === null;
  }

  push(chunk: Uint8Array): NarEvent[] {
    let pos = 0;
    while (this.need !== null && pos < chunk.length) {
      const need = this.need;
      if (need.kind === 'stream') {
        const take = Math.min(need.remaining, chunk.length - pos);
        this.events.push({ type: 'contents', path: need.path, data: chunk.subarray(pos, pos + take) });
        pos += take;
        this.offset += take;
        need.remaining -= take;
        if (need.remaining === 0) this.advance(undefined);
      } else if (this.have === 0 && chunk.length - pos >= need.n) {
        const value = chunk.subarray(pos, pos + need.n);
        pos += need.n;
        this.offset += need.n;
        this.advance(value);
      } else {
        const take = Math.min(need.n - this.have, chunk.length - pos);
        this.acc.set(chunk.subarray(pos, pos + take), this.have);
        this.have += take;
        pos += take;
        this.offset += take;
        if (this.have === need.n) {
          this.have = 0;
          this.advance(this.acc.subarray(0, need.n));
        }
      }
    }
    if (this.need === null && pos < chunk.length) {
      throw new NarError('trailing-data', `NAR offset ${this.offset}: data after the end of the archive`);
    }
    return this.take();
  }

  end(): NarEvent[] {
    if (this.need !== null) throw new NarError('truncated', `NAR truncated at offset ${this.offset}`);
    return this.take();
  }

  private take(): NarEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  private advance(value: Uint8Array | undefined): void {
    let r = this.gen.next(value);
    // Empty files stream nothing: resume at once.
    while (!r.done && r.value.kind === 'stream' && r.value.remaining === 0) r = this.gen.next(undefined);
    this.need = r.done ? null : r.value;
  }

  private fail(code: ConstructorParameters<typeof NarError>[0], msg: string): never {
    throw new NarError(code, `NAR offset ${this.offset}: ${msg}`);
  }

  private *length(limit: number, what: string): Generator<Need, number, Uint8Array | undefined> {
    const n = decodeU64((yield { kind: 'read', n: 8 })!);
    if (n < 0 || n > limit) this.fail('too-long', `${what} length ${n < 0 ? '≥ 2^53' : n} over the limit of ${limit}`);
    return n;
  }

  private *pad(len: number): Generator<Need, void, Uint8Array | undefined> {
    const p = padding(len);
    if (p === 0) return;
    const b = (yield { kind: 'read', n: p })!;
    for (const x of b) if (x !== 0) this.fail('bad-padding', 'non-zero padding');
  }

  /** A bounded string, copied out of the parser's buffers. */
  private *bytes(limit: number, what: string): Generator<Need, Uint8Array, Uint8Array | undefined> {
    const n = yield* this.length(limit, what);
    const b = n === 0 ? new Uint8Array(0) : (yield { kind: 'read', n })!.slice();
    yield* this.pad(n);
    return b;
  }

  private *token(): Generator<Need, string, Uint8Array | undefined> {
    return latin1.decode(yield* this.bytes(LIMITS.token, 'token'));
  }

  private *expect(tok: string): Generator<Need, void, Uint8Array | undefined> {
    const got = yield* this.token();
    if (got !== tok) this.fail('bad-token', `expected ${JSON.stringify(tok)}, got ${JSON.stringify(got)}`);
  }

  private *archive(): Generator<Need, void, Uint8Array | undefined> {
    yield* this.expect(NAR_MAGIC);
    yield* this.node('', 0);
  }

  private *node(path: string, depth: number): Generator<Need, void, Uint8Array | undefined> {
    if (depth > LIMITS.depth) this.fail('too-deep', `directories nested deeper than ${LIMITS.depth}`);
    yield* this.expect(TOKENS.open);
    yield* this.expect(TOKENS.type);
    const type = yield* this.token();
    if (type === TOKENS.regular) {
      let tok = yield* this.token();
      let executable = false;
      if (tok === TOKENS.executable) {
        const v = yield* this.bytes(LIMITS.token, 'executable marker');
        if (v.length !== 0) this.fail('bad-token', 'executable marker has a non-empty value');
        executable = true;
        tok = yield* this.token();
      }
      if (tok !== TOKENS.contents) this.fail('bad-token', `expected "contents", got ${JSON.stringify(tok)}`);
      const size = yield* this.length(this.maxSize - this.offset, 'contents');
      this.events.push({ type: 'regular', path, executable, size, offset: this.offset });
      yield { kind: 'stream', path, remaining: size };
      yield* this.pad(size);
    } else if (type === TOKENS.symlink) {
      yield* this.expect(TOKENS.target);
      const raw = yield* this.bytes(LIMITS.target, 'symlink target');
      let target: string;
      try {
        target = decodeName(raw);
      } catch {
        this.fail('bad-target', 'symlink target is not UTF-8');
      }
      checkSymlinkTarget(target, `NAR offset ${this.offset}`);
      this.events.push({ type: 'symlink', path, target });
    } else if (type === TOKENS.directory) {
      this.events.push({ type: 'directory', path });
      let prev: string | null = null;
      for (;;) {
        const tok = yield* this.token();
        if (tok === TOKENS.close) return;
        if (tok !== TOKENS.entry) this.fail('bad-token', `expected "entry" or ")", got ${JSON.stringify(tok)}`);
        yield* this.expect(TOKENS.open);
        yield* this.expect(TOKENS.name);
        const name = decodeName(yield* this.bytes(LIMITS.name, 'entry name'));
        checkEntryName(name, prev, `NAR offset ${this.offset}`);
        prev = name;
        yield* this.expect(TOKENS.node);
        yield* this.node(path === '' ? name : `${path}/${name}`, depth + 1);
        yield* this.expect(TOKENS.close);
      }
    } else {
      this.fail('bad-token', `unknown file type ${JSON.stringify(type)}`);
    }
    yield* this.expect(TOKENS.close);
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
