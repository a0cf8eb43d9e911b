/** nixwrt-ts library entry: each area re-exports its public API from its own index. */
export * from './errors.js';
export * from './rootfs/index.js';
export * as nix from './nix/index.js';
export { createPool, type TaskPool } from './workers/pool.js';
export * from './config/index.js';
export * from './image/index.js';
export * from './kernel/index.js';
export * from './kernel/lzma/index.js';
export * from './squashfs/index.js';
export * as dt from './dt/index.js';
export * as cache from './cache/index.js';
export { build, type BuildOptions, type BuildOutput, type BuildProgress, type BuildResult } from './build.js';
export { watchBuild, type WatchEvent, type WatchOptions } from './watch.js';
