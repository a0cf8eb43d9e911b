import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLock } from '../../src/nix/lock.js';
import { parseNarInfo } from '../../src/nix/narinfo.js';
import { narFromPath } from '../../src/nix/nar/writer.js';
import { writeClosure } from '../../src/nix/restore.js';
import { fetchClosure, type CachedPath } from '../../src/nix/store-cache.js';
import { storePathHashPart } from '../../src/nix/store-path.js';
import { packageRoot } from '../../src/util/package-root.js';
import { havePeers } from '../helpers/peer.js';
import { describeTree, startFaultServer, type FaultServer } from './cache-peer.js';
import { nixEnv, nixStoreRestore } from './nix-peer.js';

const fixtures = join(packageRoot(), 'fixtures');

/** The fixture caches (made by real Nix, see fixtures/PROVENANCE.md) served over loopback HTTP. */
describe.skipIf(!havePeers('nix', 'nix-store', 'xz', 'zstd'))('fixture binary caches over HTTP', () => {
  let work: string;
  let lock: Awaited<ReturnType<typeof loadLock>>;
  const servers: FaultServer[] = [];
  const fetched = new Map<string, Map<string, CachedPath>>();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nixwrt-fixtures-'));
    lock = await loadLock(join(fixtures, 'lock.json'));
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** The NAR as the cache stores it, decompressed by the classic tools. */
  const narFromCache = (cacheDir: string, storePath: string): Buffer => {
    const info = parseNarInfo(readFileSync(join(cacheDir, `${storePathHashPart(storePath)}.narinfo`), 'utf8'));
    const file = join(cacheDir, info.url);
    if (info.compression === 'xz') return execFileSync('xz', ['-dc', file], { maxBuffer: 1 << 30 });
    if (info.compression === 'zstd') return execFileSync('zstd', ['-dcq', file], { maxBuffer: 1 << 30 });
    return readFileSync(file);
  };

  for (const name of ['cache', 'cache-zstd', 'cache-none']) {
    it(`${name}: the closure of every locked package it holds is fetched and verified; cached NARs are the cache's NARs`, async () => {
      const srv = await startFaultServer(join(fixtures, name));
      servers.push(srv);
      // cache-zstd and cache-none hold subsets (with their closures): see fixtures/make-cache.sh.
      const held = new Set(readdirSync(join(fixtures, name)).filter((f) => f.endsWith('.narinfo')).map((f) => f.slice(0, 32)));
      const roots = Object.values(lock.packages).filter((p) => held.has(storePathHashPart(p)));
      expect(roots.length).toBeGreaterThan(0);
      const got = await fetchClosure(roots, {
        substituters: [srv.url],
        trustedPublicKeys: [lock.publicKey],
        cacheDir: join(work, `c-${name}`),
      });
      fetched.set(name, got);
      for (const p of roots) expect(got.has(p)).toBe(true);
      expect(got.size).toBe(held.size);
      for (const [p, cp] of got) {
        for (const r of cp.references) expect(got.has(r)).toBe(true);
        const nar = narFromCache(join(fixtures, name), p);
        expect(createHash('sha256').update(readFileSync(cp.narPath)).digest('hex')).toBe(createHash('sha256').update(nar).digest('hex'));
      }
    });
  }

  it('--out tree equals nix-store --restore of each NAR; our writer re-creates each NAR; NarHash = nix hash path', async () => {
    const got = fetched.get('cache')!;
    expect(got).toBeDefined();
    const out = join(work, 'out');
    await writeClosure(got.values(), out);
    const refs: string[] = [];
    mkdirSync(join(work, 'ref'));
    for (const [p, cp] of got) {
      const nar = readFileSync(cp.narPath);
      const ref = join(work, 'ref', p.slice('/nix/store/'.length));
      nixStoreRestore(nar, ref);
      refs.push(ref);
      expect(describeTree(join(out, 'nix/store', p.slice('/nix/store/'.length)))).toEqual(describeTree(ref));
      const parts: Uint8Array[] = [];
      for await (const c of narFromPath(ref)) parts.push(c);
      expect(Buffer.concat(parts).equals(nar)).toBe(true);
    }
    const hashes = execFileSync('nix', ['hash', 'path', '--base32', ...refs], { env: nixEnv() }).toString().trim().split('\n');
    expect(hashes).toEqual([...got.values()].map((cp) => cp.narHash.slice('sha256:'.length)));
  });

  it('listing of nar-edge-cases has the shapes the rootfs builder reads', () => {
    const got = fetched.get('cache')!;
    const edge = got.get(lock.packages['nar-edge-cases']!)!;
    expect(edge.listing.type).toBe('directory');
    const nar = readFileSync(edge.narPath);
    const walk = (e: typeof edge.listing): number => {
      if (e.type === 'regular') {
        expect(e.narOffset! + e.size!).toBeLessThanOrEqual(nar.length);
        return 1;
      }
      if (e.type === 'symlink') {
        expect(typeof e.target).toBe('string');
        return 1;
      }
      return Object.values(e.entries!).reduce((n, c) => n + walk(c), 1);
    };
    expect(walk(edge.listing)).toBeGreaterThan(10);
  });

  it('CLI: package names resolve through --lock (file:// cache relative to the lock)', async () => {
    const args = [join(packageRoot(), 'bin', 'nixwrt.js'), 'fetch', 'busybox', 'dropbear', '--lock', join(fixtures, 'lock.json'), '--cache-dir', join(work, 'cli-cache'), '--out', join(work, 'cli-out'), '--json'];
    const res = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const list = JSON.parse(res.stdout) as Array<{ storePath: string }>;
    const paths = list.map((x) => x.storePath);
    expect(paths).toContain(lock.packages.busybox);
    expect(paths).toContain(lock.packages.dropbear);
    expect(paths).toContain(lock.packages.glibc);
    const bb = join(work, 'cli-out', 'nix/store', lock.packages.busybox!.slice('/nix/store/'.length), 'bin', 'busybox');
    expect(readFileSync(bb).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  });
});
