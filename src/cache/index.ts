/**
 * The incremental-build cache: content-addressed artefacts under <cacheDir>/artefacts, keyed
 * on the SHA-256 of a canonical JSON of their inputs, checked by hash on every use.
 */
export { ArtefactStore, type CacheStats, type EntryInfo } from './store.js';
export { artefactKey, canonicalJson, sha256Hex, CACHE_FORMAT, type KeyInput } from './key.js';
export { cachedArtefact, squashfsBlockCache, type ArtefactInputs } from './artefacts.js';
export { CacheError, type CacheErrorCode } from './errors.js';
