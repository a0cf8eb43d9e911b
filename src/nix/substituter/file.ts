import { open, readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FetchError } from '../errors.js';
import { parseCacheInfo, type CacheInfo, type Substituter } from './types.js';

async function readOrNull(path: string, url: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new FetchError('io', `${url}: ${(err as Error).message}`, { cause: err });
  }
}

/** A binary cache in a local directory (`file:///dir`). */
export class FileSubstituter implements Substituter {
  readonly url: string;
  private readonly base: URL;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
    this.base = new URL(this.url + '/');
  }

  async cacheInfo(): Promise<CacheInfo | null> {
    const text = await readOrNull(fileURLToPath(new URL('nix-cache-info', this.base)), `${this.url}/nix-cache-info`);
    return text === null ? null : parseCacheInfo(text);
  }

  narinfo(hashPart: string): Promise<string | null> {
    return readOrNull(fileURLToPath(new URL(`${hashPart}.narinfo`, this.base)), `${this.url}/${hashPart}.narinfo`);
  }

  resolve(narUrl: string): string {
    const u = new URL(narUrl, this.base);
    // A narinfo may only point inside its own cache directory.
    if (u.protocol !== 'file:' || !u.href.startsWith(this.base.href)) {
      throw new FetchError('io', `${this.url}: NAR URL ${JSON.stringify(narUrl)} points outside the cache`);
    }
    return u.href;
  }

  async *nar(absUrl: string, signal?: AbortSignal): AsyncIterable<Uint8Array> {
    const path = fileURLToPath(absUrl);
    let fh;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new FetchError(code === 'ENOENT' ? 'not-found' : 'io', `${absUrl}: ${(err as Error).message}`, { cause: err });
    }
    try {
      // Plain reads into right-sized buffers: a ReadStream copies every short read again.
      const size = (await fh.stat()).size;
      for (let pos = 0; pos < size; ) {
        signal?.throwIfAborted();
        const buf = Buffer.allocUnsafe(Math.min(1 << 20, size - pos));
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
  }

  close(): void {}
}

export function fileUrlOf(dir: string): string {
  return pathToFileURL(dir).href;
}
