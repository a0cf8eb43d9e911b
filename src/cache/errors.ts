import { NixwrtError } from '../errors.js';

export type CacheErrorCode = 'bad-key' | 'bad-size';

export class CacheError extends NixwrtError<CacheErrorCode> {}
