/**
 * NAR (Nix ARchive): a deterministic serialization of a file tree (regular files with an
 * executable bit, symlinks, directories with byte-sorted entries). Its SHA-256 is a store
 * path's NarHash. wire.ts holds the tokens and the checks both directions share.
 */
export * from './wire.js';
export * from './reader.js';
export * from './writer.js';
export * from './listing.js';
