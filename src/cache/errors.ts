import { NixwrtError } from '../errors.js';

export type CacheErrorCode = 'bad-key' | 'bad-size' | 'bad-entry';

export class CacheError extends NixwrtError<CacheErrorCode> {}
