import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from './package-root.js';

/** true only in the bundled CLI: scripts/bundle-cli.mjs defines it (esbuild `define`). */
declare const NIXWRT_BUNDLED: boolean | undefined;

/**
 * The directory of this build's modules of one source folder ('squashfs', 'dt', ...): src/ or
 * dist/src/ next to this file's folder; in the bundled CLI (dist/cli/, modules merged into
 * chunks) the compiled dist/src/<folder> the bundle was made from.
 */
export function moduleDir(folder: string): string {
  if (typeof NIXWRT_BUNDLED !== 'undefined' && NIXWRT_BUNDLED) return join(packageRoot(), 'dist', 'src', folder);
  return fileURLToPath(new URL(`../${folder}/`, import.meta.url)).replace(/\/$/, '');
}
