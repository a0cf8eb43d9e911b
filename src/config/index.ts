/**
 * Configuration: a typed config (`defineConfig`) names a device, hostname, packages (resolved
 * through a lock file) and modules with options; the module system evaluates it to a `System`,
 * plain data that the rootfs builder and the image stage consume.
 */
export * from './types.js';
export * from './errors.js';
export { loadConfig, loadLock, parseLock, resolvePackage, checkConfigShape } from './load.js';
