/**
 * Root filesystem: the tree model (tree.ts), /etc generators (etc.ts), the service supervisor
 * (services.ts) and the builder from a System plus its fetched closure (builder.ts).
 */
export * from './tree.js';
export { readContent } from './content.js';
export * from './etc.js';
export { serviceOrder, supervisorFiles } from './services.js';
export { buildRootfs, buildTime, addSystemEntries, applyOverlay, resolvePath, type BuildRootfsOptions } from './builder.js';
export { storeTree, nodeFromListing, type Closure, type ClosureEntry } from './store.js';
export { overlayFromDir, overlayFromTarball, type OverlayEntry } from './overlay.js';
export { RootfsError } from './errors.js';
