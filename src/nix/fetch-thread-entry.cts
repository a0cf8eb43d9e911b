/**
 * Entry of a fetch worker thread (fetch-threads.ts), CommonJS for the same reason as the
 * piscina pool's src/workers/entry.cts: Node 20 can abort the process when an ES module
 * graph is require()d while the same graph loads; a CommonJS entry that import()s the ES
 * module once never takes that path.
 */
void import('./fetch-thread.js');
