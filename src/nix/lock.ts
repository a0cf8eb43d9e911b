/**
 * Lock files ({"version":1,"cache":{"url","publicKey"},"packages":{name: storePath}}) are
 * read by the config area; the fetch side uses the same loader so the two never disagree.
 */
export { loadLock, parseLock, resolvePackage } from '../config/load.js';
export type { Lock, LockFile } from '../config/types.js';
