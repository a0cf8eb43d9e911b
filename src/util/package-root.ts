import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding nixwrt-ts's package.json, found from this module's location
 * (works from src/ under vitest, from dist/ after tsc, and in an installed package, which has
 * no tsconfig.json: bin/nixwrt.js marks the root there). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'nixwrt.js'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('nixwrt-ts package root not found');
    dir = up;
  }
}
