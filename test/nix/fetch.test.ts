import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchClosure, openCachedPath, type FetchOptions, type FetchProgress } from '../../src/nix/store-cache.js';
import { writeClosure } from '../../src/nix/restore.js';
import { parseNarInfo, serializeNarInfo } from '../../src/nix/narinfo.js';
import { storePathHashPart } from '../../src/nix/store-path.js';
import { packageRoot } from '../../src/util/package-root.js';
import { havePeers } from '../helpers/peer.js';
import { buildClosure, closureOf, describeTree, makeCache, startFaultServer, type FaultServer, type NixCache } from './cache-peer.js';
import { nixStoreRestore } from './nix-peer.js';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'nixwrt.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const FAST_RETRY = { attempts: 4, baseMs: 5, maxMs: 20 };

describe.skipIf(!havePeers('nix', 'nix-build', 'nix-store', 'xz'))('fetching from caches made by real Nix', () => {
  let work: string;
  let root: string;
  let closure: string[];
  const caches: Record<string, NixCache> = {};
  let srv: FaultServer;
  let fresh = 0;
  const newDir = (what: string): string => join(work, `${what}-${fresh++}`);

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'nixwrt-fetch-'));
    root = buildClosure(join(work, 'expr'), 'fetchtest');
    closure = closureOf(root);
    for (const c of ['xz', 'zstd', 'bzip2', 'none']) caches[c] = makeCache(work, root, c);
  });
  afterAll(async () => {
    await srv?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const nameOf = (suffix: string): string => closure.find((p) => p.endsWith(`-nixwrt-fetchtest-${suffix}`))!;
  const opts = (sub: string, cache: NixCache, extra: Partial<FetchOptions> = {}): FetchOptions => ({
    substituters: [sub],
    trustedPublicKeys: [cache.publicKey],
    cacheDir: newDir('cache'),
    retry: FAST_RETRY,
    ...extra,
  });
  /** The cache directory holds no entry (and no temp file) for `storePath`. */
  const expectNoEntry = (cacheDir: string, storePath: string): void => {
    const h = storePathHashPart(storePath);
    expect(existsSync(join(cacheDir, 'nar', `${h}.nar`))).toBe(false);
    expect(existsSync(join(cacheDir, 'info', `${h}.json`))).toBe(false);
    expect(existsSync(join(cacheDir, 'tmp')) ? readdirSync(join(cacheDir, 'tmp')) : []).toEqual([]);
  };

  for (const comp of ['xz', 'zstd', 'bzip2', 'none']) {
    it(`${comp} over file://: the unpacked closure equals nix-store --restore of each NAR`, async () => {
      const cache = caches[comp]!;
      const o = opts(`file://${cache.dir}`, cache);
      const got = await fetchClosure([root], o);
      expect([...got.keys()]).toEqual(closure);
      const out = newDir('out');
      await writeClosure(got.values(), out);
      for (const p of closure) {
        const cp = got.get(p)!;
        const nar = readFileSync(cp.narPath);
        expect(`sha256:${cp.narHash.slice(7)}`).toBe(cp.narHash);
        const ref = join(newDir('ref'));
        nixStoreRestore(nar, ref);
        expect(describeTree(join(out, 'nix/store', p.slice('/nix/store/'.length)))).toEqual(describeTree(ref));
        // NarHash recorded = SHA-256 of the cached file, in the narinfo's nix32 form.
        const info = parseNarInfo(readFileSync(join(cache.dir, `${storePathHashPart(p)}.narinfo`), 'utf8'));
        expect(cp.narSize).toBe(info.narSize);
        expect(createHash('sha256').update(nar).digest('hex')).toBe(Buffer.from(info.narHash.digest).toString('hex'));
      }
    });
  }

  it('listing offsets address file contents inside the cached NAR', async () => {
    const cache = caches.xz!;
    const got = await fetchClosure([nameOf('b'), nameOf('f')], opts(`file://${cache.dir}`, cache));
    const b = got.get(nameOf('b'))!;
    const seq = b.listing.entries!.share!.entries!.deep!.entries!.er!.entries!.seq!;
    const nar = readFileSync(b.narPath);
    const text = nar.subarray(seq.narOffset!, seq.narOffset! + seq.size!).toString();
    expect(text.startsWith('1\n2\n3\n')).toBe(true);
    expect(text.endsWith('19999\n20000\n')).toBe(true);
    expect(b.listing.entries!['abs-link']).toEqual({ type: 'symlink', target: `${nameOf('a')}/hello` });
    const f = got.get(nameOf('f'))!;
    expect(f.listing.type).toBe('regular');
  });

  describe('over HTTP on 127.0.0.1, with faults', () => {
    beforeAll(async () => {
      srv = await startFaultServer(caches.xz!.dir);
    });
    const narinfoPath = (p: string): string => `/${storePathHashPart(p)}.narinfo`;
    const narUrlPath = (p: string, cache = caches.xz!): string =>
      '/' + parseNarInfo(readFileSync(join(cache.dir, narinfoPath(p)), 'utf8')).url;

    it('fetches the closure, each path once; a second run needs no network', async () => {
      srv.hits.clear();
      const o = opts(srv.url, caches.xz!);
      const got = await fetchClosure([root, nameOf('b')], o);
      expect([...got.keys()]).toEqual(closure);
      for (const p of closure) {
        expect(srv.hits.get(narinfoPath(p))).toBe(1);
        expect(srv.hits.get(narUrlPath(p))).toBe(1);
      }
      const again = await fetchClosure([root], { ...o, substituters: ['http://127.0.0.1:9'] });
      expect([...again.keys()]).toEqual(closure);
      expect(await openCachedPath(root, { cacheDir: o.cacheDir })).toMatchObject({ storePath: root });
      // Another trusted key set: the cached entry no longer counts and must be fetched again;
      // the only substituter is unreachable, so that is a network fault, not a missing path.
      await expect(fetchClosure([root], { ...o, substituters: ['http://127.0.0.1:9'], trustedPublicKeys: ['other:' + 'A'.repeat(43) + '='] }))
        .rejects.toMatchObject({ code: 'network' });
    });

    it('500 twice, then success: retried', async () => {
      const target = nameOf('b');
      srv.faults.set(narUrlPath(target), { fault: { kind: 'status', status: 500 }, times: 2 });
      srv.faults.set(narinfoPath(root), { fault: { kind: 'status', status: 503 }, times: 1 });
      const events: FetchProgress[] = [];
      const got = await fetchClosure([root], opts(srv.url, caches.xz!, { onProgress: (e) => events.push(e) }));
      expect(got.size).toBe(closure.length);
      expect(events.filter((e) => e.type === 'retry')).toHaveLength(3);
      srv.faults.clear();
    });

    it('follows redirects (a NAR redirected once, a narinfo to a relative location)', async () => {
      srv.faults.clear();
      const narPath = narUrlPath(nameOf('b'));
      srv.faults.set(narPath, { fault: { kind: 'redirect', location: `${srv.url}${narPath}?mirror=1` }, times: 1 });
      srv.faults.set(narinfoPath(root), { fault: { kind: 'redirect', location: `${narinfoPath(root)}?again` }, times: 1 });
      srv.hits.clear();
      const got = await fetchClosure([root], opts(srv.url, caches.xz!));
      expect(got.size).toBe(closure.length);
      expect(srv.hits.get(narPath)).toBe(2);
      expect(srv.hits.get(narinfoPath(root))).toBe(2);
      srv.faults.clear();
    });

    const failures: Array<[string, (s: FaultServer) => string, string, RegExp]> = [
      ['reset mid-body (every time)', (s) => (s.faults.set(narUrlPath(nameOf('b')), { fault: { kind: 'reset' } }), nameOf('b')), 'network', /fetching .*-b from http:\/\/127\.0\.0\.1:\d+\/nar\//],
      ['truncated body (every time)', (s) => (s.faults.set(narUrlPath(nameOf('b')), { fault: { kind: 'truncate' } }), nameOf('b')), 'network', /body ended after|aborted/],
      ['HTTP 500 forever', (s) => (s.faults.set(narUrlPath(nameOf('a')), { fault: { kind: 'status', status: 500 } }), nameOf('a')), 'http', /HTTP 500/],
      ['flipped bytes', (s) => (s.faults.set(narUrlPath(nameOf('b')), { fault: { kind: 'flip' } }), nameOf('b')), 'decompress', /xz stream is corrupt/],
      ['narinfo without Sig', (s) => (s.faults.set(narinfoPath(nameOf('a')), { fault: { kind: 'edit', edit: (t) => t.replace(/^Sig: .*\n/gm, '') } }), nameOf('a')), 'untrusted', /signed by: none/],
      ['Sig by an unknown key', (s) => (s.faults.set(narinfoPath(nameOf('a')), { fault: { kind: 'edit', edit: (t) => t.replace(/^Sig: [^:]*:/gm, 'Sig: someone-else-1:') } }), nameOf('a')), 'untrusted', /signed by: someone-else-1/],
      ['NarHash edited', (s) => (s.faults.set(narinfoPath(nameOf('a')), { fault: { kind: 'edit', edit: (t) => t.replace(/^NarHash: sha256:./m, 'NarHash: sha256:0') } }), nameOf('a')), 'untrusted', /no valid signature/],
      ['a missing reference', (s) => (s.faults.set(narinfoPath(nameOf('a')), { fault: { kind: 'status', status: 404 } }), nameOf('a')), 'not-found', /-a \(a reference of .*\): http:.*not found/],
      ['403 on the NAR', (s) => (s.faults.set(narUrlPath(nameOf('a')), { fault: { kind: 'status', status: 403 } }), nameOf('a')), 'not-found', /HTTP 403/],
    ];
    for (const [name, inject, code, message] of failures) for (const threads of [0, 2]) {
      it(`${name} → ${code}, no cache entry, nothing of it in --out${threads ? ` (${threads} worker threads)` : ''}`, async () => {
        srv.faults.clear();
        const failed = inject(srv);
        const o = opts(srv.url, caches.xz!, { threads });
        const out = newDir('out');
        let err: unknown;
        try {
          await writeClosure((await fetchClosure([root], { ...o, outDir: out })).values(), out);
        } catch (e) {
          err = e;
        }
        srv.faults.clear();
        expect(err).toMatchObject({ code });
        expect((err as Error).message).toMatch(message);
        expect((err as Error).message).toContain(failed.slice(0, 20));
        expectNoEntry(o.cacheDir, failed);
        // Paths verified before the failure may be unpacked; the failed one and temp dirs never.
        const store = join(out, 'nix', 'store');
        const names = existsSync(store) ? readdirSync(store) : [];
        expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
        expect(names).not.toContain(failed.slice('/nix/store/'.length));
      });
    }

    for (const comp of ['none', 'zstd', 'bzip2']) {
      it(`${comp} over HTTP: every NAR verifies (body chunks are views of a reused read buffer)`, async () => {
        const s = await startFaultServer(caches[comp]!.dir);
        try {
          const got = await fetchClosure([root], opts(s.url, caches[comp]!));
          expect([...got.keys()]).toEqual(closure);
        } finally {
          await s.close();
        }
      });
    }

    it('worker threads give the same cache entries, NAR bytes and --out tree as the main thread', async () => {
      srv.faults.clear();
      const runWith = async (threads: number) => {
        const o = opts(srv.url, caches.xz!, { threads, outDir: newDir('out') });
        const got = await fetchClosure([root], o);
        await writeClosure(got.values(), o.outDir!);
        return { got, out: o.outDir! };
      };
      const one = await runWith(0);
      const two = await runWith(2);
      expect([...two.got.keys()]).toEqual(closure);
      for (const p of closure) {
        const [a, b] = [one.got.get(p)!, two.got.get(p)!];
        expect({ ...b, narPath: '' }).toEqual({ ...a, narPath: '' });
        expect(readFileSync(b.narPath).equals(readFileSync(a.narPath))).toBe(true);
      }
      expect(describeTree(join(two.out, 'nix/store'))).toEqual(describeTree(join(one.out, 'nix/store')));
    });

    it('worker threads: a bad NarHash fails with the store path, URL and cause; nothing half-written', async () => {
      const none = await startFaultServer(caches.none!.dir);
      try {
        const target = nameOf('b');
        none.faults.set(narUrlPath(target, caches.none!), { fault: { kind: 'flip' } });
        const out = newDir('out');
        const o = opts(none.url, caches.none!, { threads: 2, outDir: out });
        const err = await fetchClosure([root], o).then(() => undefined, (e: unknown) => e);
        expect(err).toMatchObject({ code: 'hash-mismatch' });
        expect((err as Error).message).toContain(`fetching ${target} from ${none.url}/${narUrlPath(target, caches.none!).slice(1)}: `);
        expect((err as Error).message).toMatch(/hashes to sha256:/);
        expectNoEntry(o.cacheDir, target);
        const names = existsSync(join(out, 'nix/store')) ? readdirSync(join(out, 'nix/store')) : [];
        expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
        expect(names).not.toContain(target.slice('/nix/store/'.length));
      } finally {
        await none.close();
      }
    });

    it('flipped bytes in an uncompressed NAR → hash-mismatch', async () => {
      const none = await startFaultServer(caches.none!.dir);
      try {
        const target = nameOf('b');
        none.faults.set(narUrlPath(target, caches.none!), { fault: { kind: 'flip' } });
        const o = opts(none.url, caches.none!);
        // FileHash (unsigned) is not checked; the signed NarHash catches it.
        await expect(fetchClosure([target], o)).rejects.toMatchObject({ code: 'hash-mismatch', message: expect.stringMatching(/NarHash is sha256:/) });
        expectNoEntry(o.cacheDir, target);
      } finally {
        await none.close();
      }
    });

    it('a slow but steady body succeeds; a stalled one times out, is retried, then fails', async () => {
      const target = nameOf('b');
      srv.faults.clear();
      srv.faults.set(narUrlPath(target), { fault: { kind: 'slow', gapMs: 30, pieces: 10 } });
      const ok = await fetchClosure([target], opts(srv.url, caches.xz!, { idleTimeoutMs: 1000 }));
      expect(ok.get(target)?.narSize).toBeGreaterThan(300_000);
      srv.faults.set(narUrlPath(target), { fault: { kind: 'slow', gapMs: 400, pieces: 3 } });
      const o = opts(srv.url, caches.xz!, { idleTimeoutMs: 150, retry: { attempts: 2, baseMs: 5, maxMs: 5 } });
      await expect(fetchClosure([target], o)).rejects.toMatchObject({ code: 'network', message: expect.stringMatching(/no data for 150 ms/) });
      expectNoEntry(o.cacheDir, target);
      srv.faults.clear();
    });

    it('a server trickling bytes (never idle) is cut off by the minimum speed, retried, then [network]', async () => {
      const target = nameOf('b');
      srv.faults.clear();
      srv.faults.set(narUrlPath(target), { fault: { kind: 'slow', gapMs: 20, pieces: 100_000 } });
      srv.hits.clear();
      const o = opts(srv.url, caches.xz!, { lowSpeed: { bytesPerSecond: 1_000_000, windowMs: 200 }, retry: { attempts: 2, baseMs: 5, maxMs: 5 } });
      await expect(fetchClosure([target], o)).rejects.toMatchObject({ code: 'network', message: expect.stringMatching(/slower than the minimum of 1000000 bytes\/s/) });
      expect(srv.hits.get(narUrlPath(target))).toBe(2);
      expectNoEntry(o.cacheDir, target);
      srv.faults.clear();
    });

    it('CLI: --speed-limit/--speed-time give a [network] error for a trickle, and no temp file', async () => {
      const target = nameOf('b');
      srv.faults.clear();
      srv.faults.set(narUrlPath(target), { fault: { kind: 'slow', gapMs: 20, pieces: 100_000 } });
      const cacheDir = newDir('c');
      const r = await runCli(['fetch', target, '--substituter', srv.url, '--trusted-public-key', caches.xz!.publicKey, '--cache-dir', cacheDir, '--speed-limit', '1000000', '--speed-time', '0.2']);
      srv.faults.clear();
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/slower than the minimum of 1000000 bytes\/s.*\[network\]/);
      expectNoEntry(cacheDir, target);
    });

    it('CLI: SIGINT or SIGTERM during a download removes its temp file and --out temp tree', async () => {
      const target = nameOf('b');
      for (const [sig, threads] of [['SIGINT', '0'], ['SIGTERM', '2']] as const) {
        srv.faults.clear();
        srv.faults.set(narUrlPath(target), { fault: { kind: 'slow', gapMs: 100, pieces: 1000 } });
        const cacheDir = newDir('c');
        const out = newDir('out');
        const args = ['fetch', target, '--substituter', srv.url, '--trusted-public-key', caches.xz!.publicKey, '--cache-dir', cacheDir, '--out', out, '--threads', threads];
        const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'nixwrt.js'), ...args], { stdio: 'ignore' });
        const done = new Promise<NodeJS.Signals | null>((r) => child.on('close', (_c, s) => r(s)));
        const tmp = join(cacheDir, 'tmp');
        // Wait for the download's temp file (up to ~20 s on a loaded machine).
        for (let i = 0; i < 400 && !(existsSync(tmp) && readdirSync(tmp).some((n) => n.endsWith('.nar'))); i++) await new Promise((r) => setTimeout(r, 50));
        expect(readdirSync(tmp).filter((n) => n.endsWith('.nar')).length).toBeGreaterThan(0);
        child.kill(sig);
        expect(await done).toBe(sig);
        expect(readdirSync(tmp)).toEqual([]);
        expect(readdirSync(join(out, 'nix', 'store')).filter((n) => n.startsWith('.'))).toEqual([]);
      }
      srv.faults.clear();
    });

    it('CLI: two processes sharing one cache dir both succeed and leave a consistent cache', async () => {
      const cacheDir = newDir('shared');
      const run = (out: string): Promise<CliResult> =>
        runCli(['fetch', root, '--substituter', srv.url, '--trusted-public-key', caches.xz!.publicKey, '--cache-dir', cacheDir, '--out', out, '--json']);
      srv.faults.clear();
      srv.faults.set(narUrlPath(nameOf('b')), { fault: { kind: 'slow', gapMs: 20, pieces: 5 } });
      const [r1, r2] = await Promise.all([run(newDir('out')), run(newDir('out'))]);
      srv.faults.clear();
      expect(r1.stderr + r2.stderr).toBe('');
      expect([r1.code, r2.code]).toEqual([0, 0]);
      const list = JSON.parse(r1.stdout) as Array<{ storePath: string; narPath: string; narHash: string }>;
      expect(list.map((x) => x.storePath)).toEqual(closure);
      for (const x of list) {
        const info = parseNarInfo(readFileSync(join(caches.xz!.dir, narinfoPath(x.storePath)), 'utf8'));
        expect(createHash('sha256').update(readFileSync(x.narPath)).digest('hex')).toBe(Buffer.from(info.narHash.digest).toString('hex'));
      }
      expect(readdirSync(join(cacheDir, 'tmp'))).toEqual([]);
    });

    it('CLI: a failed fetch exits 1 with store path, URL and code; nothing of the failed path in --out', async () => {
      srv.faults.clear();
      srv.faults.set(narinfoPath(nameOf('a')), { fault: { kind: 'edit', edit: (t) => t.replace(/^Sig: .*\n/gm, '') } });
      const out = newDir('out');
      // Async: the server runs in this process, a synchronous child would deadlock it.
      const { code: status, stderr } = await runCli(['fetch', root, '--substituter', srv.url, '--trusted-public-key', caches.xz!.publicKey, '--cache-dir', newDir('c'), '--out', out]);
      srv.faults.clear();
      expect(status).toBe(1);
      expect(stderr).toMatch(new RegExp(`${nameOf('a')}.*${srv.url.replace(/\./g, '\\.')}.*\\[untrusted\\]`));
      // Paths verified before the failure may be unpacked; the untrusted one and temp dirs never.
      const names = existsSync(join(out, 'nix/store')) ? readdirSync(join(out, 'nix/store')) : [];
      expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
      expect(names).not.toContain(nameOf('a').slice('/nix/store/'.length));
    });
  });

  it('substituters are tried in order; a path missing from the first comes from the second', async () => {
    const partial = newDir('partial');
    execFileSync('cp', ['-r', caches.zstd!.dir, partial]);
    unlinkSync(join(partial, `${storePathHashPart(nameOf('a'))}.narinfo`));
    const o = opts(`file://${partial}`, caches.zstd!, { substituters: [`file://${partial}`, `file://${caches.xz!.dir}`] });
    const got = await fetchClosure([root], o);
    expect(got.size).toBe(closure.length);
    const a = parseNarInfo(JSON.parse(readFileSync(join(o.cacheDir, 'info', `${storePathHashPart(nameOf('a'))}.json`), 'utf8')).narinfo);
    expect(a.compression).toBe('xz');
    const c = parseNarInfo(JSON.parse(readFileSync(join(o.cacheDir, 'info', `${storePathHashPart(root)}.json`), 'utf8')).narinfo);
    expect(c.compression).toBe('zstd');
    expect(serializeNarInfo(c)).toBe(readFileSync(join(partial, `${storePathHashPart(root)}.narinfo`), 'utf8'));
  });

  it('a cache for another StoreDir is refused', async () => {
    const other = newDir('other');
    execFileSync('cp', ['-r', caches.none!.dir, other]);
    execFileSync('sh', ['-c', `printf 'StoreDir: /gnu/store\\n' > '${other}/nix-cache-info'`]);
    await expect(fetchClosure([root], opts(`file://${other}`, caches.none!))).rejects.toMatchObject({ code: 'store-dir' });
  });
});
