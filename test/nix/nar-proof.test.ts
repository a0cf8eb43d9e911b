/**
 * A cached NAR with one byte flipped (same size, same mtime) never reaches an output: reads
 * prove the NAR against the NarHash real Nix wrote into the fixture narinfos; `nixwrt cache
 * verify` reports it; a build removes it and fetches it again, or fails naming it.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build.js';
import { fetchClosure } from '../../src/nix/closure.js';
import { StoreCacheError } from '../../src/nix/errors.js';
import { forgetNarProofs, proveNarSync } from '../../src/nix/nar-proof.js';
import { restoreNar } from '../../src/nix/restore.js';
import { openCachedPath, verifyStoreCache, type CachedPath } from '../../src/nix/store-cache.js';
import { readContent } from '../../src/rootfs/content.js';
import { fixturesDir, readLock } from '../fixtures/cache-files.js';
import { slow } from '../helpers/slack.js';

const root = join(import.meta.dirname, '..', '..');
const nixwrt = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/nixwrt.js'), ...args], { encoding: 'utf8' });
const lock = readLock();
const busybox = lock.packages['busybox']!;
const kernel = lock.packages['kernel-malta']!;
const fixtureCache = pathToFileURL(join(fixturesDir, 'cache')).href;
const work = mkdtempSync(join(tmpdir(), 'nixwrt-nar-proof-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Flip one bit at `offset` and put the mtime back: size and mtime as before. */
function flip(path: string, offset: number): void {
  const st = statSync(path);
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, offset);
  b[0]! ^= 1;
  writeSync(fd, b, 0, 1, offset);
  closeSync(fd);
  utimesSync(path, st.atime, st.mtime);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const fetchOpts = (cacheDir: string) => ({ substituters: [fixtureCache], trustedPublicKeys: [lock.cache.publicKey], cacheDir });

describe('cached NARs are proven against their NarHash', () => {
  let pristine: string;
  let bb: CachedPath;
  beforeAll(async () => {
    pristine = join(work, 'pristine');
    bb = (await fetchClosure([busybox], fetchOpts(pristine))).get(busybox)!;
  });

  /** A copy of the fetched store cache with busybox's NAR damaged inside bin/busybox. */
  function damagedCopy(name: string): { cacheDir: string; cp: CachedPath; file: { narOffset: number; size: number } } {
    const cacheDir = join(work, name);
    cpSync(pristine, cacheDir, { recursive: true });
    const file = bb.listing.entries!['bin']!.entries!['busybox']!;
    const cp = { ...bb, narPath: bb.narPath.replace(pristine, cacheDir) };
    flip(cp.narPath, file.narOffset! + 1000);
    forgetNarProofs();
    return { cacheDir, cp, file: { narOffset: file.narOffset!, size: file.size! } };
  }

  it('a read of any slice fails naming the store path, and the entry is removed', async () => {
    const { cacheDir, cp, file } = damagedCopy('read');
    // The index check alone cannot see it: size and mtime are unchanged.
    expect(await openCachedPath(busybox, { cacheDir, trustedPublicKeys: [lock.cache.publicKey] })).not.toBeNull();
    const read = async () => {
      for await (const _ of readContent({ kind: 'nar-slice', narPath: cp.narPath, offset: file.narOffset, size: 16, narHash: cp.narHash }, 16)) void _;
    };
    const err = await read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreCacheError);
    expect((err as StoreCacheError).code).toBe('corrupt-nar');
    expect((err as Error).message).toContain(busybox);
    expect(existsSync(cp.narPath)).toBe(false);
    expect(await openCachedPath(busybox, { cacheDir })).toBeNull();
    // The next fetch downloads it again, with the right bytes.
    const again = (await fetchClosure([busybox], fetchOpts(cacheDir))).get(busybox)!;
    expect(sha256(readFileSync(again.narPath))).toBe(sha256(readFileSync(bb.narPath)));
  });

  it('the synchronous proof (squashfs data stage) and restoreNar (--out) refuse it too', async () => {
    const a = damagedCopy('sync');
    expect(() => proveNarSync(a.cp.narPath, a.cp.narHash)).toThrow(/corrupt|hashes to/);
    const b = damagedCopy('restore');
    const dest = join(work, 'restored');
    await expect(restoreNar(b.cp.narPath, dest, b.cp.narHash)).rejects.toMatchObject({ code: 'corrupt-nar' });
    expect(existsSync(dest)).toBe(false);
  });

  it('`nixwrt fetch --out` unpacks the right bytes: the damaged NAR is removed and fetched again', () => {
    const { cacheDir, file } = damagedCopy('fetch-out');
    const out = join(work, 'fetch-out-tree');
    const r = nixwrt('fetch', busybox, '--substituter', fixtureCache, '--trusted-public-key', lock.cache.publicKey, '--cache-dir', cacheDir, '--out', out);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`repaired: ${busybox}: the cached NAR .* \\[corrupt-nar\\]`));
    const good = readFileSync(bb.narPath).subarray(file.narOffset, file.narOffset + file.size);
    expect(sha256(readFileSync(join(out, busybox.slice(1), 'bin', 'busybox')))).toBe(sha256(good));
  });

  it('verifyStoreCache and `nixwrt cache verify` report it (exit 1); --remove deletes it', async () => {
    const { cacheDir } = damagedCopy('verify');
    const r = await verifyStoreCache(cacheDir);
    expect(r.damaged.map((d) => d.storePath)).toEqual([busybox]);
    expect(r.damaged[0]!.reason).toMatch(/^hashes to sha256:/);
    const cli = nixwrt('cache', 'verify', '--cache-dir', cacheDir);
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain(`damaged NAR: ${busybox} (`);
    expect(cli.stdout).toContain(`${r.checked} NARs checked, 1 damaged`);
    expect(nixwrt('cache', 'verify', '--cache-dir', cacheDir, '--remove').status).toBe(0);
    const after = nixwrt('cache', 'verify', '--cache-dir', cacheDir);
    expect(after.status).toBe(0);
    expect(after.stdout).not.toContain('damaged NAR');
    expect(await openCachedPath(busybox, { cacheDir })).toBeNull();
    expect((await verifyStoreCache(pristine)).damaged).toEqual([]);
  });
});

describe('a build with a damaged kernel NAR in its store cache', () => {
  const config = join(root, 'examples', 'emu.ts');
  let good: string;
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = join(work, 'build-cache');
    const r = await build({ config, outDir: join(work, 'out1'), cacheDir, jobs: 2 });
    good = r.files.find((f) => f.file === 'emulator/vmlinux')!.sha256;
  }, slow(240_000));

  function damageKernel(): string {
    forgetNarProofs();
    const nar = readdirNar(cacheDir, kernel);
    flip(nar, 3_000_000);
    return nar;
  }

  it('removes it, fetches it again and writes the right vmlinux', async () => {
    damageKernel();
    const r = await build({ config, outDir: join(work, 'out2'), cacheDir, jobs: 2 });
    expect(r.repaired).toHaveLength(1);
    expect(r.repaired![0]).toContain(kernel);
    expect(sha256(readFileSync(join(work, 'out2', 'emulator', 'vmlinux')))).toBe(good);
  }, slow(240_000));

  it('fails naming the path when no substituter has it', async () => {
    damageKernel();
    const empty = join(work, 'empty-cache');
    mkdirSync(empty, { recursive: true });
    const err = await build({ config, outDir: join(work, 'out3'), cacheDir, jobs: 2, substituters: [pathToFileURL(empty).href] }).catch((e: unknown) => e);
    expect((err as Error).message).toContain(kernel);
    expect(existsSync(join(work, 'out3', 'emulator', 'vmlinux'))).toBe(false);
  }, slow(240_000));
});

function readdirNar(cacheDir: string, storePath: string): string {
  return join(cacheDir, 'nar', `${storePath.slice('/nix/store/'.length, '/nix/store/'.length + 32)}.nar`);
}
