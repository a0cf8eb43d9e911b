import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfigShape, loadConfig, loadLock, parseLock, resolvePackage } from '../../src/config/load.js';
import { isOverride } from '../../src/config/types.js';

const data = fileURLToPath(new URL('./data/', import.meta.url));

describe('loadConfig', () => {
  it('loads a JSON config', async () => {
    const { config, dir } = await loadConfig(join(data, 'minimal.json'));
    expect(config.hostname).toBe('jsonbox');
    expect(config.modules?.[0]).toEqual({ name: 'ntpd', options: { servers: ['pool.example'] } });
    expect(dir).toBe(data.replace(/\/$/, ''));
  });
  it('loads a TypeScript config, override() survives the second module copy', async () => {
    const { config } = await loadConfig(join(data, 'minimal.ts'), { cacheDir: mkdtempSync(join(tmpdir(), 'nixwrt-load-')) });
    expect(config.hostname).toBe('tsbox');
    const opt = (config.modules?.[0]?.options as { rootPasswordHash: unknown }).rootPasswordHash;
    expect(isOverride(opt)).toBe(true);
  });
  it('names a missing file', async () => {
    await expect(loadConfig(join(data, 'nope.ts'))).rejects.toMatchObject({ code: 'config-not-found' });
  });
  it('rejects unknown top-level keys and bad host names', () => {
    expect(() => checkConfigShape({ device: 'd', hostname: 'h', lock: 'l', hostnmae: 'x' }, 'c.json')).toThrow(/unknown key 'hostnmae'/);
    expect(() => checkConfigShape({ device: 'd', hostname: 'bad_name', lock: 'l' }, 'c.json')).toThrow(/not a valid host name/);
    expect(() => checkConfigShape({ device: 'd', hostname: 'h' }, 'c.json')).toThrow(/'lock' must be a non-empty string/);
  });
});

describe('evaluate paths', () => {
  it('resolves overlays against the config directory', async () => {
    const { loadSystem } = await import('../../src/config/evaluate.js');
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-cfg-'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ device: 'd', hostname: 'h', lock: join(data, 'lock.json'), overlay: [{ dir: 'files' }, { tarball: '../x.tar' }] }));
    const s = await loadSystem(join(dir, 'c.json'));
    expect(s.overlays).toEqual([{ dir: join(dir, 'files') }, { tarball: join(dir, '..', 'x.tar') }]);
  });
});

describe('lock', () => {
  it('resolves a relative cache URL against the lock file', async () => {
    const lock = await loadLock(join(data, 'lock.json'));
    expect(lock.cacheUrl).toBe('file://' + join(data, 'cache'));
    expect(resolvePackage(lock, 'busybox', 'module busybox')).toMatch(/-busybox-1\.35\.0$/);
  });
  it('names an unknown package, who wanted it, and the lock', async () => {
    const lock = await loadLock(join(data, 'lock.json'));
    expect(() => resolvePackage(lock, 'hostapd', 'module hostapd')).toThrow(
      /unknown package 'hostapd' \(wanted by module hostapd\): not in lock .*lock\.json; known: busybox, dropbear, rsync/,
    );
  });
  it('rejects a non-store path and a bad key', () => {
    const base = { version: 1, cache: { url: 'http://x', publicKey: 'k:AAAA' }, packages: {} };
    expect(() => parseLock({ ...base, packages: { a: '/usr/bin/a' } }, 'l')).toThrow(/package a: '\/usr\/bin\/a' is not a store path/);
    expect(() => parseLock({ ...base, cache: { url: 'x', publicKey: 'nokey' } }, 'l')).toThrow(/not name:base64/);
    expect(parseLock(base, '/l').cacheUrl).toBe('http://x');
  });
  it('refuses values nested deeper than 64 levels with a typed error (found by the fuzzer: String() of them overflowed the stack)', () => {
    const deep = (n: number): unknown => JSON.parse(`${'['.repeat(n)}1${']'.repeat(n)}`);
    const base = { version: 1, cache: { url: 'http://x', publicKey: 'k:AAAA' }, packages: {} };
    expect(() => parseLock({ ...base, version: deep(20000) }, 'l')).toThrow(expect.objectContaining({ code: 'lock-invalid', message: 'l: values nest deeper than 64 levels' }));
    expect(() => parseLock({ ...base, version: deep(60) }, 'l')).toThrow(/unsupported version/);
    const config = { device: 'd', hostname: 'h', lock: 'l' };
    expect(() => checkConfigShape({ ...config, modules: [{ name: 'sshd', options: { x: deep(20000) } }] }, 'c.json')).toThrow(
      expect.objectContaining({ code: 'config-invalid', message: 'c.json: values nest deeper than 64 levels' }),
    );
    expect(() => checkConfigShape({ ...config, modules: [{ name: 'sshd', options: { x: deep(60) } }] }, 'c.json')).not.toThrow();
  });
});
