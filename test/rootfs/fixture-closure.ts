/**
 * Test helper: the closure of some store paths from the committed fixture cache (xz NARs made
 * by real Nix), decompressed to a temp dir and listed: the same shape the nix client's
 * fetchClosure returns, without its network and verification layers.
 */
import { createReadStream, createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseNarInfo } from '../../src/nix/narinfo.js';
import type { ClosureEntry } from '../../src/rootfs/store.js';
import { listNar } from './helpers.js';

const lzma = createRequire(import.meta.url)('lzma-native') as { createDecompressor(): Duplex };

export async function fixtureClosure(cacheDir: string, roots: string[]): Promise<Map<string, ClosureEntry>> {
  const tmp = mkdtempSync(join(tmpdir(), 'nixwrt-fixture-nars-'));
  const out = new Map<string, ClosureEntry>();
  const queue = [...roots];
  while (queue.length > 0) {
    const sp = queue.shift()!;
    if (out.has(sp)) continue;
    const hash = sp.slice('/nix/store/'.length, '/nix/store/'.length + 32);
    const info = parseNarInfo(readFileSync(join(cacheDir, `${hash}.narinfo`), 'utf8'));
    if (info.compression !== 'xz') throw new Error(`fixture ${sp}: expected xz, got ${info.compression}`);
    const narPath = join(tmp, `${hash}.nar`);
    await pipeline(createReadStream(join(cacheDir, info.url)), lzma.createDecompressor(), createWriteStream(narPath));
    out.set(sp, { narPath, listing: await listNar(createReadStream(narPath)) });
    for (const r of info.references) queue.push(`/nix/store/${r}`);
  }
  return out;
}
