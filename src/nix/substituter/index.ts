import { FetchError } from '../errors.js';
import { FileSubstituter } from './file.js';
import { HttpSubstituter, type HttpOptions } from './http.js';
import type { Substituter } from './types.js';

export * from './types.js';
export * from './retry.js';
export { FileSubstituter, fileUrlOf } from './file.js';
export { DEFAULT_LOW_SPEED, HttpSubstituter, type HttpOptions } from './http.js';
export type { LowSpeed } from './http-client.js';

/** A substituter for `file://`, `http://` or `https://` URLs. */
export function openSubstituter(url: string, opts: HttpOptions = {}): Substituter {
  if (url.startsWith('file://')) return new FileSubstituter(url);
  if (url.startsWith('http://') || url.startsWith('https://')) return new HttpSubstituter(url, opts);
  throw new FetchError('http', `unsupported substituter URL ${JSON.stringify(url)} (file://, http://, https://)`);
}
