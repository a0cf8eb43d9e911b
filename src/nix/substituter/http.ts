import { FetchError } from '../errors.js';
import { HttpClient, type HttpResponse, type LowSpeed } from './http-client.js';
import { parseCacheInfo, type CacheInfo, type Substituter } from './types.js';

const NOT_HERE = new Set([403, 404, 410]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const TRANSIENT_STATUS = (s: number): boolean => s === 408 || s === 429 || (s >= 500 && s <= 599);
const MAX_TEXT = 16 << 20;

export interface HttpOptions {
  /** Connections per cache (Nix's default is 25). */
  maxSockets?: number;
  /** A request with no byte received for this long is abandoned (and retried). */
  idleTimeoutMs?: number;
  /** A request slower than this is abandoned (and retried); default DEFAULT_LOW_SPEED. */
  lowSpeed?: LowSpeed;
}

/** 1 KiB/s over 30 s: far below any working link, far above a server trickling bytes. */
export const DEFAULT_LOW_SPEED: LowSpeed = { bytesPerSecond: 1024, windowMs: 30_000 };

/** A binary cache over HTTP(S), with keep-alive connections (http-client.ts). */
export class HttpSubstituter implements Substituter {
  readonly url: string;
  private readonly base: URL;
  private readonly client: HttpClient;

  constructor(url: string, opts: HttpOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.base = new URL(this.url + '/');
    this.client = new HttpClient({ maxSockets: opts.maxSockets ?? 25, idleTimeoutMs: opts.idleTimeoutMs ?? 30_000, lowSpeed: opts.lowSpeed ?? DEFAULT_LOW_SPEED });
  }

  /** GET with up to 5 redirects (CDNs often redirect NAR downloads), http(s) only. */
  private async get(url: string, signal?: AbortSignal): Promise<HttpResponse> {
    for (let hops = 0; ; hops++) {
      const res = await this.client.get(new URL(url), signal);
      const location = res.headers.get('location');
      if (!REDIRECT.has(res.status) || location === undefined) return res;
      res.discard();
      const next = new URL(location, url);
      if (hops >= 5 || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
        throw new FetchError('http', `${url}: too many redirects, or a redirect to ${next.protocol}`);
      }
      url = next.href;
    }
  }

  /** A small text resource, or null when the cache says it does not have it. */
  private async text(url: string, signal?: AbortSignal): Promise<string | null> {
    const res = await this.get(url, signal);
    if (NOT_HERE.has(res.status)) {
      res.discard();
      return null;
    }
    checkStatus(res, url);
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body()) {
      size += chunk.length;
      // Leaving the loop closes the connection (the body is not complete).
      if (size > MAX_TEXT) throw new FetchError('http', `${url}: response larger than ${MAX_TEXT} bytes`);
      parts.push(Buffer.from(chunk)); // the chunk is a view of a reused buffer
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
    if (NOT_HERE.has(res.status)) {
      res.discard();
      throw new FetchError('not-found', `${absUrl}: HTTP ${res.status} (the narinfo names a NAR the cache does not have)`);
    }
    checkStatus(res, absUrl);
    yield* res.body();
  }

  close(): void {
    this.client.close();
  }
}

function checkStatus(res: HttpResponse, url: string): void {
  const status = res.status;
  if (status === 200) return;
  res.discard();
  throw new FetchError('http', `${url}: HTTP ${status} ${res.statusMessage}`.trim(), { transient: TRANSIENT_STATUS(status) });
}
