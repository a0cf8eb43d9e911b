#!/usr/bin/env node
// The CLI's JS entry (bin/nixwrt, the sh launcher, runs it); the CLI is compiled to dist/ by
// `npm ci` (prepare).
import { statSync } from 'node:fs';

/**
 * bin/nixwrt moved NODE_EXTRA_CA_CERTS to NIXWRT_EXTRA_CA_CERTS so Node skipped parsing it at
 * start. Child processes (qemu, config loaders, nested nixwrt) get the user's variable back;
 * NIXWRT_EXTRA_CA_CERTS stays set only while Node has not loaded the file itself, and tells our
 * HTTP client (src/nix/substituter/http-client.ts) to add it on the first TLS connection.
 */
function restoreExtraCaCerts(env) {
  if (env.NIXWRT_EXTRA_CA_CERTS === undefined) return;
  if (env.NODE_EXTRA_CA_CERTS === undefined) env.NODE_EXTRA_CA_CERTS = env.NIXWRT_EXTRA_CA_CERTS;
  else delete env.NIXWRT_EXTRA_CA_CERTS;
}

restoreExtraCaCerts(process.env);

/**
 * The bundled CLI (dist/cli/, `npm run build`: fewer modules to load at start) when it is at
 * least as new as the tsc output it is made from; after a `tsc -p .` alone (which rewrites every
 * file) it would be stale, so the unbundled modules run instead.
 */
function cliEntry() {
  const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
  const bundle = '../dist/cli/main.js';
  return mtime(bundle) >= mtime('../dist/src/cli/main.js') ? bundle : '../dist/src/cli/main.js';
}
const { main } = await import(cliEntry());

main(process.argv).catch((err) => {
  process.stderr.write(`nixwrt: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
