/** The artefact cache's size limit, applied after every build that added entries. */
import { sizeOf } from '../util/size.js';
import { CacheError } from './errors.js';

/** The default artefact cache limit when neither the option nor $NIXWRT_CACHE_MAX_SIZE sets one. */
export const DEFAULT_CACHE_MAX_SIZE = 2 * 1024 ** 3;

export function cacheMaxSize(option?: number, env: NodeJS.ProcessEnv = process.env): number {
  if (option !== undefined) return option;
  const v = env.NIXWRT_CACHE_MAX_SIZE;
  if (v === undefined || v === '') return DEFAULT_CACHE_MAX_SIZE;
  const n = sizeOf(v);
  if (n === undefined) throw new CacheError('bad-size', `NIXWRT_CACHE_MAX_SIZE=${v}: expected bytes, e.g. 500000000 or 500M`);
  return n;
}
