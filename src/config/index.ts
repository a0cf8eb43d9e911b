/**
 * Configuration: a typed config (`defineConfig`) names a device, hostname, packages (resolved
 * through a lock file) and modules with options; the module system evaluates it to a `System`,
 * plain data that the rootfs builder and the image stage consume.
 */
export * from './types.js';
export * from './errors.js';
export { loadConfig, loadLock, parseLock, resolvePackage, checkConfigShape } from './load.js';
export { evaluateConfig, loadSystem } from './evaluate.js';
export { mergeValues, stripOverrides } from './merge.js';
export { defineModule, validateOptions, type Contribution, type FileSpec, type ModuleContext, type NixwrtModule } from './modules.js';
export { MODULES } from './modules/index.js';
export { describeSystem, systemToJson } from './summary.js';
