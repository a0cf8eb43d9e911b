/**
 * Nix binary cache client: nix32 and hashes, narinfo + Ed25519 signatures, NAR reader and
 * writer, substituters (file://, http(s)://), closure walk, verified fetch into a local
 * store cache that the rootfs builder reads file contents from (NAR offsets).
 */
export * from './errors.js';
export * from './nixbase32.js';
export * from './hash.js';
export * from './store-path.js';
export * from './narinfo.js';
export * from './signature.js';
export * from './nar/index.js';
export * from './decompress.js';
export * from './substituter/index.js';
export * from './store-cache.js';
export * from './fetch.js';
export * from './restore.js';
export * from './lock.js';
