/**
 * Test helper: the closure of some store paths from the committed fixture cache (made by real
 * Nix), fetched with the nix client's fetchClosure over file:// into a fresh local store cache,
 * exactly as `nixwrt build` gets it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fetchClosure } from '../../src/nix/closure.js';
import type { Closure } from '../../src/rootfs/store.js';

export async function fixtureClosure(cacheDir: string, roots: string[]): Promise<Closure> {
  const key = readFileSync(join(cacheDir, '..', 'cache.pub'), 'utf8').trim();
  return fetchClosure(roots, {
    substituters: [pathToFileURL(cacheDir).href],
    trustedPublicKeys: [key],
    cacheDir: mkdtempSync(join(tmpdir(), 'nixwrt-store-cache-')),
    jobs: 4,
  });
}
