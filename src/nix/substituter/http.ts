import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { FetchError } from '../errors.js';
import { parseCacheInfo, type CacheInfo, type Substituter } from './types.js';

const NOT_HERE = new Set([403, 404, 410]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const TRANSIENT_STATUS = (s: number): boolean => s === 408 || s === 429 || (s >= 500 && s <= 599);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);
const MAX_TEXT = 16 << 20;

export interface HttpOptions {
  /** Connections per cache (Nix's default is 25). */
  maxSockets?: number;
  /** A request with no byte received for this long is abandoned (and retried). */
  idleTimeoutMs?: number;
}

/** A binary cache over HTTP(S), with keep-alive connections. */
export class HttpSubstituter implements Substituter {
  readonly url: string;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly idleTimeoutMs: number;

  constructor(url: string, opts: HttpOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.base = new URL(this.url + '/');
    const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 25 };
    this.agent = this.base.protocol === 'https:' ? new https.Agent(agentOpts) : new http.Agent(agentOpts);
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
  }

  /** GET with up to 5 redirects (CDNs often redirect NAR downloads), http(s) only. */
  private async get(url: string, signal?: AbortSignal): Promise<IncomingMessage> {
    for (let hops = 0; ; hops++) {
      const res = await this.getOnce(url, signal);
      const location = res.headers.location;
      if (!REDIRECT.has(res.statusCode ?? 0) || location === undefined) return res;
      res.resume();
      const next = new URL(location, url);
      if (hops >= 5 || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
        throw new FetchError('http', `${url}: too many redirects, or a redirect to ${next.protocol}`);
      }
      url = next.href;
    }
  }

  private getOnce(url: string, signal?: AbortSignal): Promise<IncomingMessage> {
    const lib = url.startsWith('https:') ? https : http;
    return new Promise((resolve, reject) => {
      let response: IncomingMessage | undefined;
      // A redirect to the other protocol goes through Node's default agent for it.
      const agent = url.startsWith(this.base.protocol) ? this.agent : undefined;
      const req = lib.get(url, { agent, signal }, (res) => resolve((response = res)));
      req.setTimeout(this.idleTimeoutMs, () => {
        const err = new FetchError('network', `${url}: no data for ${this.idleTimeoutMs} ms`, { transient: true });
        response?.destroy(err); // so a body being read fails with this error, not "aborted"
        req.destroy(err);
      });
      req.on('error', (err) => reject(classify(err, url)));
    });
  }

  /** A small text resource, or null when the cache says it does not have it. */
  private async text(url: string, signal?: AbortSignal): Promise<string | null> {
    const res = await this.get(url, signal);
    if (NOT_HERE.has(res.statusCode ?? 0)) {
      res.resume();
      return null;
    }
    checkStatus(res, url);
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of readBody(res, url)) {
      size += chunk.length;
      if (size > MAX_TEXT) {
        res.destroy();
        throw new FetchError('http', `${url}: response larger than ${MAX_TEXT} bytes`);
      }
      parts.push(chunk);
    }
    return Buffer.concat(parts).toString('utf8');
  }

  async cacheInfo(signal?: AbortSignal): Promise<CacheInfo | null> {
    const text = await this.text(new URL('nix-cache-info', this.base).href, signal);
    return text === null ? null : parseCacheInfo(text);
  }

  narinfo(hashPart: string, signal?: AbortSignal): Promise<string | null> {
    return this.text(new URL(`${hashPart}.narinfo`, this.base).href, signal);
  }

  resolve(narUrl: string): string {
    const u = new URL(narUrl, this.base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new FetchError('http', `${this.url}: NAR URL ${JSON.stringify(narUrl)} is not http(s)`);
    }
    return u.href;
  }

  async *nar(absUrl: string, signal?: AbortSignal): AsyncIterable<Uint8Array> {
    const res = await this.get(absUrl, signal);
    if (NOT_HERE.has(res.statusCode ?? 0)) {
      res.resume();
      throw new FetchError('not-found', `${absUrl}: HTTP ${res.statusCode} (the narinfo names a NAR the cache does not have)`);
    }
    checkStatus(res, absUrl);
    yield* readBody(res, absUrl);
  }

  close(): void {
    this.agent.destroy();
  }
}

function checkStatus(res: IncomingMessage, url: string): void {
  const status = res.statusCode ?? 0;
  if (status === 200) return;
  res.resume();
  throw new FetchError('http', `${url}: HTTP ${status} ${res.statusMessage ?? ''}`.trim(), { transient: TRANSIENT_STATUS(status) });
}

/** The body as chunks; a reset or a body shorter than Content-Length is a transient error. */
async function* readBody(res: IncomingMessage, url: string): AsyncGenerator<Buffer> {
  const expected = res.headers['content-length'] === undefined ? -1 : Number(res.headers['content-length']);
  let got = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      got += chunk.length;
      yield chunk;
    }
  } catch (err) {
    throw classify(err, url);
  }
  if (!res.complete || (expected >= 0 && got !== expected)) {
    throw new FetchError('network', `${url}: body ended after ${got} of ${expected < 0 ? '?' : expected} bytes`, { transient: true });
  }
}

function classify(err: unknown, url: string): unknown {
  if (err instanceof FetchError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.name === 'AbortError') return err;
  const transient = TRANSIENT_CODES.has(e.code ?? '') || /aborted|socket hang up|premature close/i.test(e.message);
  return new FetchError('network', `${url}: ${e.message}`, { cause: err, transient });
}
