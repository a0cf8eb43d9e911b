import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtefactStore, artefactKey, cachedArtefact, canonicalJson, squashfsBlockCache } from '../../src/cache/index.js';

const fresh = () => new ArtefactStore(mkdtempSync(join(tmpdir(), 'nixwrt-cache-')));
const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('artefact keys', () => {
  it('are canonical: key order does not matter, values do', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1, y: 2 } })).toBe('{"a":[true,null,"x"],"b":1,"c":{"y":2,"z":1}}');
    expect(artefactKey({ kind: 'k', a: 1, b: 2 })).toBe(artefactKey({ b: 2, a: 1, kind: 'k' }));
    expect(artefactKey({ kind: 'k', a: 1 })).not.toBe(artefactKey({ kind: 'k', a: 2 }));
    expect(artefactKey({ kind: 'k', a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('ArtefactStore', () => {
  it('returns what was put, and misses on unknown keys', async () => {
    const s = fresh();
    const k = artefactKey({ kind: 't', n: 1 });
    expect(await s.get(k)).toBeUndefined();
    await s.put(k, bytes(1000));
    expect(Buffer.from((await s.get(k))!).equals(Buffer.from(bytes(1000)))).toBe(true);
    expect(s.stats).toMatchObject({ hits: 1, misses: 1, puts: 1, damaged: 0 });
    expect(() => s.pathOf('../x')).toThrow(expect.objectContaining({ code: 'bad-key' }));
  });

  it('treats a damaged entry as a miss, removes it, and the rebuilt entry gives the same bytes', async () => {
    const s = fresh();
    const k = artefactKey({ kind: 't', n: 2 });
    let made = 0;
    const make = () => (made++, bytes(5000, 7));
    const first = await cachedArtefact(s, { kind: 't', n: 2 }, make);
    const buf = readFileSync(s.pathOf(k));
    buf[buf.length - 10]! ^= 0x40; // one bit flipped in the payload
    writeFileSync(s.pathOf(k), buf);
    expect((await s.verify()).damaged.map((e) => e.key)).toEqual([k]);
    const again = await cachedArtefact(s, { kind: 't', n: 2 }, make);
    expect(again.hit).toBe(false);
    expect(made).toBe(2);
    expect(s.stats.damaged).toBe(1);
    expect(Buffer.from(again.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    expect((await cachedArtefact(s, { kind: 't', n: 2 }, make)).hit).toBe(true);
    expect((await s.verify()).damaged).toEqual([]);
  });

  it('detects truncated and foreign entries in verify, and removes them on request', async () => {
    const s = fresh();
    const k1 = artefactKey({ kind: 't', n: 3 });
    const k2 = artefactKey({ kind: 't', n: 4 });
    await s.put(k1, bytes(100));
    await s.put(k2, bytes(100));
    writeFileSync(s.pathOf(k1), readFileSync(s.pathOf(k1)).subarray(0, 20));
    const v = await s.verify({ remove: true });
    expect(v.checked).toBe(2);
    expect(v.damaged.map((e) => e.key)).toEqual([k1]);
    expect((await s.entries()).map((e) => e.key)).toEqual([k2]);
  });

  it('gc removes least recently used entries first until under the limit', async () => {
    const s = fresh();
    const keys = [0, 1, 2, 3].map((n) => artefactKey({ kind: 'gc', n }));
    for (const [i, k] of keys.entries()) {
      await s.put(k, bytes(1000, i));
      utimesSync(s.pathOf(k), 1000 + i, 1000 + i);
    }
    await s.get(keys[0]!); // a use makes the oldest the newest
    const size = (await s.entries())[0]!.size;
    const r = await s.gc(2 * size);
    expect(r).toEqual({ before: 4 * size, after: 2 * size, removed: 2 });
    expect((await s.entries()).map((e) => e.key).sort()).toEqual([keys[0]!, keys[3]!].sort());
    await expect(s.gc(-1)).rejects.toMatchObject({ code: 'bad-size' });
  });

  it('lets concurrent writers of the same key race safely (temp + rename)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-cache-'));
    const a = new ArtefactStore(dir);
    const b = new ArtefactStore(dir);
    const k = artefactKey({ kind: 'race' });
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).put(k, bytes(200_000))));
    expect(readdirSync(join(a.dir, k.slice(0, 2)))).toEqual([k]); // no temp files left
    expect(Buffer.from((await b.get(k))!).equals(Buffer.from(bytes(200_000)))).toBe(true);
  });

  it('stores squashfs blocks with their compressed flag; background puts land by flush', async () => {
    const s = fresh();
    const bc = squashfsBlockCache(s);
    await bc.put('abc:xz', { data: bytes(300), compressed: true });
    await bc.put('def:xz', { data: bytes(300, 2), compressed: false });
    await s.flush();
    const a = await bc.get('abc:xz');
    const d = await bc.get('def:xz');
    expect(a?.compressed).toBe(true);
    expect(d?.compressed).toBe(false);
    expect(Buffer.from(d!.data).equals(Buffer.from(bytes(300, 2)))).toBe(true);
    expect(await bc.get('abc:gzip')).toBeUndefined();
  });
});
