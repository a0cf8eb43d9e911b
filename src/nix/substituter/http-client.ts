/**
 * A small HTTP/1.1 client for binary caches: GET only, keep-alive connections pooled per
 * origin (at most `maxSockets` each), bodies by Content-Length, chunked or until close, over
 * plain TCP or TLS. It exists for speed: Node's http module costs about twice the CPU for the
 * same requests (ClientRequest/IncomingMessage streams, agent bookkeeping, per-chunk events;
 * bench/RESULTS.md, "nix fetch"), and a fetch is mostly moving bodies.
 *
 * Plain-TCP connections read into one reused buffer per connection (net's `onread`: no
 * allocation, no stream events per read) and pause after each read that carried body bytes
 * until the consumer asks for more, so a body chunk is a view that stays valid only until the
 * next one is requested. TLS connections use data events, with the socket paused while more
 * than HIGH_WATER bytes wait for the consumer. A body that ends early (reset, close before Content-Length or the last
 * chunk) throws a transient FetchError; so does a connection with no data for `idleTimeoutMs`.
 * A request on a reused keep-alive connection that the server closed before answering is
 * sent once more on a new connection.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import type tlsModule from 'node:tls';
import { FetchError } from '../errors.js';

// node:tls only for https (loading it costs a plain-http fetch start-up time).
let tlsLoaded: typeof tlsModule | undefined;
const tls = (): typeof tlsModule => (tlsLoaded ??= createRequire(import.meta.url)('node:tls') as typeof tlsModule);

/** undefined: not decided yet; null: Node's default context. */
let secureContextMade: tlsModule.SecureContext | null | undefined;

/**
 * The TLS context of every https connection. bin/nixwrt hands NODE_EXTRA_CA_CERTS over as
 * NIXWRT_EXTRA_CA_CERTS so Node does not parse the file at every start; it is read here, once,
 * on the first TLS connection, and added to Node's roots as Node itself would. One shared
 * context: a `ca` list per connection would parse every certificate again each time.
 */
function secureContext(): tlsModule.SecureContext | undefined {
  if (secureContextMade !== undefined) return secureContextMade ?? undefined;
  secureContextMade = null;
  const file = process.env.NIXWRT_EXTRA_CA_CERTS;
  if (!file) return undefined;
  try {
    // A file without certificates adds none, silently, as with Node.
    const pems = readFileSync(file, 'latin1').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
    if (!pems) return undefined;
    // A system bundle repeats most of Node's roots: adding each once halves the parse (~50 ms).
    const key = (pem: string): string => pem.replace(/\s+/g, '');
    const roots = tls().rootCertificates;
    const known = new Set(roots.map(key));
    secureContextMade = tls().createSecureContext({ ca: [...roots, ...pems.filter((p) => !known.has(key(p)))] });
  } catch (err) {
    // Node's own warning for this case; worker threads leave it to the main thread (required
    // here only: node:worker_threads costs start-up time).
    const { isMainThread } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
    if (isMainThread) process.stderr.write(`Warning: Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}\n`);
  }
  return secureContextMade ?? undefined;
}

const MAX_HEAD = 64 << 10;
const HIGH_WATER = 1 << 20;
/** Per-connection read buffer of plain-TCP connections. */
const READ_BUF = 256 << 10;
const EMPTY = Buffer.alloc(0);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

export interface HttpResponse {
  status: number;
  statusMessage: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Map<string, string>;
  /**
   * The body's chunks (call once). Ends normally only when the whole body arrived. A chunk
   * may be a view of a reused buffer: use (or copy) it before asking for the next one.
   */
  body(): AsyncGenerator<Buffer>;
  /** Not reading the body: the connection is closed (or reused if the body is complete). */
  discard(): void;
}

export interface HttpClientOptions {
  maxSockets: number;
  idleTimeoutMs: number;
  /** Fail a request (transiently) that receives fewer than this while it waits for data. */
  lowSpeed?: LowSpeed;
}

/**
 * The slowest transfer worth waiting for, as curl's --speed-limit/--speed-time: fewer than
 * `bytesPerSecond` on average over `windowMs` while the request waits for the server. The idle
 * timeout alone lets a server that trickles a byte at a time hold a fetch for ever.
 */
export interface LowSpeed {
  bytesPerSecond: number;
  windowMs: number;
}

function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  return e;
}

/** A socket error or early close as the error the fetch code retries or reports. */
function networkError(url: string, err: unknown): Error {
  if (err instanceof FetchError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.name === 'AbortError') return e;
  return new FetchError('network', `${url}: ${e.message}`, { cause: err, transient: TRANSIENT_CODES.has(e.code ?? '') || e.code === undefined });
}

type BodyMode = { kind: 'length'; remaining: number } | { kind: 'chunked' } | { kind: 'close' } | { kind: 'none' };

/** One keep-alive connection; one request at a time. */
class Conn {
  readonly socket: net.Socket;
  /** Has answered a request before (a failure before any byte may be a stale keep-alive). */
  used = false;
  private url = '';
  private head: Buffer = EMPTY;
  private state: 'idle' | 'head' | 'body' | 'dead' = 'idle';
  private gotBytes = false;
  private onHead: ((r: HttpResponse) => void) | null = null;
  private onFail: ((e: Error) => void) | null = null;
  private mode: BodyMode = { kind: 'none' };
  private keepAlive = true;
  // Chunked decoding: 'size' line, 'data' (chunkLeft bytes), 'crlf' after data, 'trailer' lines.
  private chunkState: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private chunkLeft = 0;
  private line = '';
  // The body queue between socket and consumer.
  private queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private error: Error | null = null;
  private wake: (() => void) | null = null;
  private paused = false;
  /** Body bytes received, and the Content-Length (-1: not given). */
  private bodyGot = 0;
  private expected = -1;
  onRelease: ((c: Conn, reusable: boolean) => void) | null = null;

  /** Body bytes of the last read sit in `queue` as views of the reused read buffer. */
  private heldView = false;

  /**
   * `reusedReads`: the socket was made with an `onread` that calls onRead() with views of one
   * reused buffer; otherwise its data events are used.
   */
  constructor(
    socket: net.Socket,
    private readonly idleTimeoutMs: number,
    private readonly reusedReads: boolean,
    private readonly lowSpeed?: LowSpeed,
  ) {
    this.socket = socket;
    socket.setNoDelay(true);
    if (!reusedReads) socket.on('data', (b: Buffer) => this.onData(b));
    socket.on('end', () => this.onClose(null));
    socket.on('close', () => this.onClose(null));
    socket.on('error', (e) => this.onClose(e));
    socket.on('timeout', () =>
      this.fail(new FetchError('network', `${this.url}: no data for ${this.idleTimeoutMs} ms`, { transient: true }), true),
    );
  }

  get alive(): boolean {
    return this.state !== 'dead' && !this.socket.destroyed;
  }

  request(url: URL, signal: AbortSignal | undefined): Promise<HttpResponse> {
    this.url = url.href;
    this.state = 'head';
    this.head = EMPTY;
    this.gotBytes = false;
    this.queue = [];
    this.queued = 0;
    this.ended = false;
    this.error = null;
    this.keepAlive = true;
    this.socket.ref();
    this.socket.setTimeout(this.idleTimeoutMs);
    this.restartWindow();
    return new Promise<HttpResponse>((resolve, reject) => {
      this.onHead = resolve;
      this.onFail = reject;
      if (signal) {
        if (signal.aborted) return this.fail(abortError(signal), true);
        const onAbort = (): void => this.fail(abortError(signal), true);
        signal.addEventListener('abort', onAbort, { once: true });
        this.detachAbort = () => signal.removeEventListener('abort', onAbort);
      }
      this.socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`, 'latin1');
    });
  }

  private detachAbort: () => void = () => undefined;

  /** The request failed before its response head: worth one more try on a new connection? */
  staleBeforeAnswer(): boolean {
    return this.used && !this.gotBytes;
  }

  /** net's onread callback: false pauses the socket until the consumer has used the views. */
  onRead(view: Buffer): boolean {
    this.onData(view);
    if (!this.heldView) return true;
    this.heldView = false;
    this.paused = true;
    return false;
  }

  /** Start of the current low-speed window, and the bytes received in it. */
  private windowStart = 0;
  private windowBytes = 0;

  /**
   * A new low-speed window from the next byte, at each request (the wait for the first byte
   * is the idle timeout's). The consumer's pauses count as time: they last as long as one
   * decode or write of a chunk, and a paused socket delivers at full speed when resumed.
   */
  private restartWindow(): void {
    this.windowStart = -1;
    this.windowBytes = 0;
  }

  /** Checked as bytes arrive (no bytes at all is the idle timeout's case). */
  private tooSlow(n: number): boolean {
    const ls = this.lowSpeed;
    if (!ls) return false;
    const now = performance.now();
    if (this.windowStart < 0) this.windowStart = now;
    this.windowBytes += n;
    const elapsed = now - this.windowStart;
    if (elapsed < ls.windowMs) return false;
    if (this.windowBytes * 1000 >= ls.bytesPerSecond * elapsed) {
      this.windowStart = now;
      this.windowBytes = 0;
      return false;
    }
    const rate = ((this.windowBytes * 1000) / elapsed).toFixed(1);
    this.fail(new FetchError('network', `${this.url}: ${this.windowBytes} bytes in ${Math.round(elapsed)} ms (${rate} bytes/s), slower than the minimum of ${ls.bytesPerSecond} bytes/s`, { transient: true }), true);
    return true;
  }

  private onData(b: Buffer): void {
    this.gotBytes = true;
    if (this.tooSlow(b.length)) return;
    let pos = 0;
    while (pos < b.length && this.state !== 'dead') {
      if (this.state === 'head') pos = this.parseHead(b, pos);
      else if (this.state === 'body') pos = this.parseBody(b, pos);
      else {
        // Bytes while idle: the server broke the protocol; do not reuse this connection.
        this.destroy();
        return;
      }
    }
  }

  /** Gather the response head (it may span reads); returns the position after what was used. */
  private parseHead(b: Buffer, pos: number): number {
    const held = this.head.length;
    const all = held === 0 ? b.subarray(pos) : Buffer.concat([this.head, b.subarray(pos)]);
    const i = all.indexOf('\r\n\r\n', Math.max(0, held - 3), 'latin1');
    if (i < 0 || i + 4 > MAX_HEAD) {
      if (all.length > MAX_HEAD) {
        this.fail(new FetchError('http', `${this.url}: response head larger than ${MAX_HEAD} bytes`), true);
      } else {
        this.head = Buffer.from(all);
      }
      return b.length;
    }
    this.head = EMPTY;
    this.startResponse(all.toString('latin1', 0, i));
    return pos + (i + 4 - held);
  }

  private startResponse(text: string): void {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) ([0-9]{3})(?: (.*))?$/.exec(lines[0] ?? '');
    if (!m) return this.fail(new FetchError('http', `${this.url}: not an HTTP/1.x response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`), true);
    const status = Number(m[2]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      if (line === '') continue;
      const colon = line.indexOf(':');
      if (colon <= 0 || line[0] === ' ' || line[0] === '\t') {
        return this.fail(new FetchError('http', `${this.url}: malformed response header ${JSON.stringify(line.slice(0, 80))}`), true);
      }
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      const old = headers.get(name);
      headers.set(name, old === undefined ? value : `${old}, ${value}`);
    }
    if (status >= 100 && status < 200) return; // interim (100 Continue, 103): the real head follows
    const conn = (headers.get('connection') ?? '').toLowerCase();
    this.keepAlive = m[1] === '1' ? !/\bclose\b/.test(conn) : /\bkeep-alive\b/.test(conn);
    const te = headers.get('transfer-encoding');
    const cl = headers.get('content-length');
    if (status === 204 || status === 304) this.mode = { kind: 'none' };
    else if (te !== undefined) {
      if (/(^|,)\s*chunked\s*$/i.test(te)) {
        this.mode = { kind: 'chunked' };
        this.chunkState = 'size';
        this.line = '';
      } else {
        this.mode = { kind: 'close' };
        this.keepAlive = false;
      }
    } else if (cl !== undefined) {
      if (!/^[0-9]{1,15}$/.test(cl)) return this.fail(new FetchError('http', `${this.url}: bad Content-Length ${JSON.stringify(cl)}`), true);
      this.mode = { kind: 'length', remaining: Number(cl) };
    } else {
      this.mode = { kind: 'close' };
      this.keepAlive = false;
    }
    this.state = 'body';
    this.bodyGot = 0;
    this.expected = this.mode.kind === 'length' ? this.mode.remaining : -1;
    const onHead = this.onHead;
    this.onHead = null;
    onHead?.({
      status,
      statusMessage: m[3] ?? '',
      headers,
      body: () => this.body(),
      discard: () => this.discardBody(),
    });
    if (this.mode.kind === 'none' || (this.mode.kind === 'length' && this.mode.remaining === 0)) this.finishBody();
  }

  private parseBody(b: Buffer, pos: number): number {
    const mode = this.mode;
    if (mode.kind === 'length') {
      const take = Math.min(mode.remaining, b.length - pos);
      this.deliver(pos === 0 && take === b.length ? b : b.subarray(pos, pos + take));
      mode.remaining -= take;
      if (mode.remaining === 0) this.finishBody();
      return pos + take;
    }
    if (mode.kind === 'close') {
      this.deliver(pos === 0 ? b : b.subarray(pos));
      return b.length;
    }
    if (mode.kind === 'none') {
      this.destroy(); // bytes after a body-less response
      return b.length;
    }
    // chunked
    while (pos < b.length && this.state === 'body') {
      if (this.chunkState === 'data') {
        const take = Math.min(this.chunkLeft, b.length - pos);
        this.deliver(b.subarray(pos, pos + take));
        this.chunkLeft -= take;
        pos += take;
        if (this.chunkLeft === 0) this.chunkState = 'crlf';
        continue;
      }
      const nl = b.indexOf(10, pos);
      const piece = b.toString('latin1', pos, nl < 0 ? b.length : nl + 1);
      pos = nl < 0 ? b.length : nl + 1;
      this.line += piece;
      if (this.line.length > 4096) {
        this.fail(new FetchError('http', `${this.url}: chunked encoding line too long`), true);
        return b.length;
      }
      if (nl < 0) break;
      const line = this.line.replace(/\r?\n$/, '');
      this.line = '';
      if (this.chunkState === 'crlf') {
        if (line !== '') {
          this.fail(new FetchError('http', `${this.url}: bad chunked encoding`), true);
          return b.length;
        }
        this.chunkState = 'size';
      } else if (this.chunkState === 'size') {
        const sm = /^([0-9a-fA-F]{1,12})(?:\s*;.*)?$/.exec(line);
        if (!sm) {
          this.fail(new FetchError('http', `${this.url}: bad chunk size ${JSON.stringify(line.slice(0, 40))}`), true);
          return b.length;
        }
        this.chunkLeft = parseInt(sm[1]!, 16);
        this.chunkState = this.chunkLeft === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        // the blank line after the trailers
        this.finishBody();
      }
    }
    return pos;
  }

  private deliver(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.bodyGot += chunk.length;
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.reusedReads) this.heldView = true;
    else if (this.queued > HIGH_WATER && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.wakeUp();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private finishBody(): void {
    this.ended = true;
    this.state = 'idle';
    this.used = true;
    this.detachAbort();
    this.wakeUp();
  }

  private async *body(): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        if (this.queue.length > 0) {
          const c = this.queue.shift()!;
          this.queued -= c.length;
          yield c;
          continue;
        }
        if (this.error) throw this.error;
        if (this.ended) break;
        // Everything read so far has been used: read on.
        if (this.paused) {
          this.paused = false;
          this.socket.resume();
        }
        await new Promise<void>((r) => (this.wake = r));
      }
    } finally {
      this.release();
    }
  }

  private discardBody(): void {
    this.queue = [];
    this.queued = 0;
    if (!this.ended) this.destroy();
    this.release();
  }

  /** Hand the connection back: reusable only after a complete body on a keep-alive response. */
  private release(): void {
    this.detachAbort();
    const r = this.onRelease;
    if (!r) return;
    this.onRelease = null;
    const reusable = this.ended && this.error === null && this.keepAlive && this.alive;
    if (!reusable) this.destroy();
    else {
      this.socket.setTimeout(0);
      this.socket.unref();
      if (this.paused) {
        this.paused = false;
        this.socket.resume();
      }
    }
    r(this, reusable);
  }

  private onClose(err: Error | null): void {
    if (this.state === 'dead') return;
    if (this.state === 'body' && this.mode.kind === 'close' && err === null) {
      this.finishBody();
      this.keepAlive = false;
      this.state = 'dead';
      return;
    }
    if (this.state === 'head' || this.state === 'body') {
      const expected = this.expected < 0 ? '?' : String(this.expected);
      const what = this.state === 'head' ? 'connection closed before the response' : `body ended after ${this.bodyGot} of ${expected} bytes`;
      this.fail(err ? networkError(this.url, err) : new FetchError('network', `${this.url}: ${what}`, { transient: true }), false);
    }
    this.state = 'dead';
  }

  /** Fail the request in progress (head or body) and close the connection. */
  private fail(err: Error, destroy: boolean): void {
    if (this.state === 'dead' && this.error) return;
    this.error ??= err;
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    this.detachAbort();
    const onFail = this.onFail;
    this.onFail = null;
    if (this.onHead) {
      this.onHead = null;
      onFail?.(this.error);
    }
    this.state = 'dead';
    if (destroy) this.socket.destroy();
    this.wakeUp();
  }

  destroy(): void {
    this.state = 'dead';
    this.socket.destroy();
  }
}

interface Origin {
  idle: Conn[];
  active: number;
  waiting: Array<() => void>;
}

export class HttpClient {
  private readonly origins = new Map<string, Origin>();
  private readonly all = new Set<Conn>();
  private closed = false;

  constructor(private readonly opts: HttpClientOptions) {}

  /** GET `url`; resolves at the response head. Read or discard the body to free the connection. */
  async get(url: URL, signal?: AbortSignal): Promise<HttpResponse> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchError('http', `${url.href}: not http(s)`);
    const key = `${url.protocol}//${url.host}`;
    let o = this.origins.get(key);
    if (!o) this.origins.set(key, (o = { idle: [], active: 0, waiting: [] }));
    const origin = o;
    while (origin.active >= this.opts.maxSockets) {
      await new Promise<void>((r) => origin.waiting.push(r));
      signal?.throwIfAborted();
    }
    origin.active++;
    let slotHeld = true;
    const freeSlot = (): void => {
      if (!slotHeld) return;
      slotHeld = false;
      origin.active--;
      origin.waiting.shift()?.();
    };
    try {
      for (let attempt = 0; ; attempt++) {
        let conn: Conn | undefined;
        while ((conn = origin.idle.pop()) && !conn.alive) this.all.delete(conn);
        conn ??= this.connect(url);
        conn.onRelease = (c, reusable) => {
          if (reusable && !this.closed) origin.idle.push(c);
          else this.all.delete(c);
          freeSlot();
        };
        try {
          // From here the response's reader (body() or discard()) gives the slot back.
          return await conn.request(url, signal);
        } catch (err) {
          const retryStale = attempt === 0 && conn.staleBeforeAnswer() && !signal?.aborted;
          if (conn.onRelease) {
            conn.onRelease = null;
            this.all.delete(conn);
          }
          conn.destroy();
          if (!retryStale) throw networkError(url.href, err);
        }
      }
    } catch (err) {
      freeSlot();
      throw err;
    }
  }

  private connect(url: URL): Conn {
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let c: Conn;
    if (url.protocol === 'https:') {
      const socket = tls().connect({ host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'], secureContext: secureContext() });
      c = new Conn(socket, this.opts.idleTimeoutMs, false, this.opts.lowSpeed);
    } else {
      const buffer = Buffer.allocUnsafe(READ_BUF);
      const socket = net.connect({ host, port, onread: { buffer, callback: (n: number) => c.onRead(buffer.subarray(0, n)) } });
      c = new Conn(socket, this.opts.idleTimeoutMs, true, this.opts.lowSpeed);
    }
    this.all.add(c);
    return c;
  }

  close(): void {
    this.closed = true;
    for (const c of this.all) c.destroy();
    this.all.clear();
    this.origins.clear();
  }
}
