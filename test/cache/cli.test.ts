import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtefactStore, artefactKey } from '../../src/cache/index.js';

const root = join(import.meta.dirname, '..', '..');
const nixwrt = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/nixwrt.js'), ...args], { encoding: 'utf8' });

async function filled(n: number): Promise<{ dir: string; store: ArtefactStore; keys: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'nixwrt-cache-cli-'));
  const store = new ArtefactStore(dir);
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = artefactKey({ kind: 'cli', i });
    await store.put(k, new Uint8Array(1000).fill(i));
    utimesSync(store.pathOf(k), 1000 + i, 1000 + i);
    keys.push(k);
  }
  return { dir, store, keys };
}

describe('nixwrt cache', () => {
  it('verify passes a sound cache and names a damaged entry (exit 1); --remove deletes it', async () => {
    const { dir, store, keys } = await filled(3);
    expect(nixwrt('cache', 'verify', '--cache-dir', dir).stdout).toBe('3 entries checked, 0 damaged\n');
    const p = store.pathOf(keys[1]!);
    const b = readFileSync(p);
    b[100]! ^= 0xff;
    writeFileSync(p, b);
    const r = nixwrt('cache', 'verify', '--cache-dir', dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(`damaged: ${p}\n3 entries checked, 1 damaged\n`);
    expect(nixwrt('cache', 'verify', '--cache-dir', dir, '--remove').status).toBe(0);
    expect((await store.entries()).map((e) => e.key).sort()).toEqual([keys[0]!, keys[2]!].sort());
  });

  it('gc --max-size shrinks the cache, oldest entries first', async () => {
    const { dir, store, keys } = await filled(5);
    const size = (await store.entries())[0]!.size;
    const r = nixwrt('cache', 'gc', '--cache-dir', dir, '--max-size', String(2 * size + 10));
    expect(r.stdout).toBe(`removed 3 entries: ${5 * size} → ${2 * size} bytes\n`);
    expect((await store.entries()).map((e) => e.key).sort()).toEqual(keys.slice(3).sort());
    expect(nixwrt('cache', 'gc', '--cache-dir', dir, '--max-size', '2K').stdout).toBe(`removed 1 entries: ${2 * size} → ${size} bytes\n`);
    expect(nixwrt('cache', 'gc', '--cache-dir', dir, '--max-size', 'lots').status).not.toBe(0);
  });
});
