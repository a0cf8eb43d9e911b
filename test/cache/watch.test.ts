/**
 * `nixwrt build --watch` (watchBuild): a rebuild follows an edit of the config's local import,
 * a bad edit is reported and the watch goes on, outputs written by the build never trigger a
 * rebuild, and the last watched build has the bytes of a cold build of the same config.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../src/build.js';
import { isNixwrtError } from '../../src/errors.js';
import { differences, snapshot, watchBuild, type WatchEvent } from '../../src/watch.js';
import { slow } from '../helpers/slack.js';

const root = join(import.meta.dirname, '..', '..');

/**
 * Edits land whole (temp + rename), so a build can never read a half-written file: with a
 * truncate-then-write the watcher waits for two agreeing looks, but a writer descheduled for
 * longer than the polling interval on a loaded machine could still be read half-way.
 */
function edit(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** A minimal emulator config as JSON, written whole. */
function writeJsonConfig(file: string, hostname: string): void {
  edit(file, JSON.stringify({ device: 'qemu-malta', hostname, lock: join(root, 'fixtures', 'lock.json'), modules: [{ name: 'busybox' }], outputs: { wanted: ['emulator'] } }));
}

describe('watchBuild', () => {
  it('sees a changed, added and removed file, and walks directories', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-snap-'));
    writeFileSync(join(dir, 'a'), 'one');
    const s1 = await snapshot([dir, join(dir, 'gone')]);
    expect(s1.get(join(dir, 'gone'))?.sig).toBe('missing');
    writeFileSync(join(dir, 'a'), 'two!');
    writeFileSync(join(dir, 'b'), '');
    const s2 = await snapshot([dir, join(dir, 'gone')]);
    expect(differences(s1, s2)).toEqual([dir, join(dir, 'a'), join(dir, 'b')].sort());
    expect(differences(s2, await snapshot([dir, join(dir, 'gone')]))).toEqual([]);
    // Ignored paths (the build's own output) are not looked at.
    expect([...(await snapshot([dir], [join(dir, 'b')])).keys()]).not.toContain(join(dir, 'b'));
  });

  it('rebuilds on edits of an imported file, survives a bad edit, and matches a cold build', async () => {
    const work = mkdtempSync(join(tmpdir(), 'nixwrt-watch-'));
    const host = join(work, 'host.ts');
    const config = join(work, 'config.ts');
    writeFileSync(host, "export const hostname: string = 'w1';\n");
    writeFileSync(
      config,
      `import { hostname } from './host.js';
export default { device: 'qemu-malta', hostname, lock: ${JSON.stringify(join(root, 'fixtures', 'lock.json'))},
  modules: [{ name: 'busybox' }], outputs: { wanted: ['emulator', 'manifest'] } };
`,
    );
    const common = { config, outDir: join(work, 'out'), jobs: 1, time: 1_700_000_000 };
    // Files written just before a build starts may count as edited during it (file times are
    // a clock tick coarse): start a little later.
    await new Promise((r) => setTimeout(r, 50));

    const events: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    const next = async (): Promise<WatchEvent> => {
      const seen = events.length;
      while (events.length === seen) await new Promise<void>((r) => (wake = r));
      return events[seen]!;
    };
    const stop = new AbortController();
    const done = watchBuild({
      build: { ...common, cacheDir: join(work, 'cache') },
      intervalMs: 50,
      signal: stop.signal,
      onEvent: (e) => {
        events.push(e);
        wake?.();
      },
    });

    const first = await next();
    expect(first.kind).toBe('built');
    if (first.kind !== 'built') return;
    expect(first.changed).toEqual([]);
    const rootfsOf = (e: WatchEvent) => (e.kind === 'built' ? e.result.files.find((f) => f.file.endsWith('rootfs.squashfs'))!.sha256 : undefined);

    edit(host, "export const hostname: string = 'w2';\n");
    const second = await next();
    expect(second.kind).toBe('built');
    expect(second.changed).toEqual([host]);
    expect(rootfsOf(second)).not.toBe(rootfsOf(first));
    if (second.kind === 'built') expect(second.result.cache.hits).toBeGreaterThan(0);

    edit(host, "export const hostname: string = '';\n");
    const bad = await next();
    expect(bad.kind).toBe('failed');
    if (bad.kind === 'failed') {
      expect(isNixwrtError(bad.error) && bad.error.code).toBe('config-invalid');
      expect(String((bad.error as Error).message)).toContain('hostname');
    }

    edit(host, "export const hostname: string = 'w3';\n");
    const fixed = await next();
    expect(fixed.kind).toBe('built');

    // The build's own writes (out/, the cache) are not inputs: nothing more happens.
    await new Promise((r) => setTimeout(r, 400));
    expect(events).toHaveLength(4);
    stop.abort();
    await done;

    const cold = await build({ ...common, outDir: join(work, 'cold-out'), cacheDir: join(work, 'cold-cache') });
    expect(fixed.kind === 'built' && fixed.result.files.map((f) => [f.file, f.sha256])).toEqual(cold.files.map((f) => [f.file, f.sha256]));
    expect(cold.cache.hits).toBe(0);
    // The reported hashes are the files' (the warm one's vmlinux hash comes from the cache).
    for (const r of [fixed.kind === 'built' ? fixed.result : cold, cold]) {
      for (const f of r.files) expect(createHash('sha256').update(readFileSync(join(r.outDir, f.file))).digest('hex'), f.file).toBe(f.sha256);
    }
  }, slow(300_000));
});

describe('watchBuild wake-up', () => {
  it('notices a save through fs.watch without waiting for the next poll', async () => {
    const work = mkdtempSync(join(tmpdir(), 'nixwrt-watch-wake-'));
    const config = join(work, 'c.json');
    const write = (hostname: string) => writeJsonConfig(config, hostname);
    write('k1');
    await new Promise((r) => setTimeout(r, 50));
    const events: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    const stop = new AbortController();
    // Polling once an hour: only the watcher can bring the second build before the test's timeout.
    const done = watchBuild({
      build: { config, outDir: join(work, 'out'), cacheDir: join(work, 'cache'), jobs: 1 },
      intervalMs: 3_600_000,
      signal: stop.signal,
      onEvent: (e) => {
        events.push(e);
        wake?.();
      },
    });
    const next = async (n: number) => {
      while (events.length < n) await new Promise<void>((r) => (wake = r));
      return events[n - 1]!;
    };
    expect((await next(1)).kind).toBe('built');
    write('k2');
    const second = await next(2);
    expect(second).toMatchObject({ kind: 'built', changed: [config] });
    stop.abort();
    await done;
  }, slow(120_000));
});

describe('nixwrt build --watch --json', () => {
  it('prints one JSON line per build and ends cleanly on SIGINT', async () => {
    const work = mkdtempSync(join(tmpdir(), 'nixwrt-watch-cli-'));
    const config = join(work, 'c.json');
    const write = (hostname: string) => writeJsonConfig(config, hostname);
    write('c1');
    await new Promise((r) => setTimeout(r, 50));
    const child = spawn(process.execPath, [join(root, 'bin', 'nixwrt.js'), 'build', config, '--watch', '--json', '--out', join(work, 'out'), '--cache-dir', join(work, 'cache')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Array<Record<string, unknown>> = [];
    let text = '';
    let wake: (() => void) | undefined;
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      const parts = text.split('\n');
      text = parts.pop()!;
      for (const p of parts) lines.push(JSON.parse(p) as Record<string, unknown>);
      wake?.();
    });
    const line = async (n: number) => {
      while (lines.length < n) await new Promise<void>((r) => (wake = r));
      return lines[n - 1]!;
    };
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      expect(await line(1)).toMatchObject({ ok: true, changed: [], device: 'qemu-malta' });
      write('c2');
      expect(await line(2)).toMatchObject({ ok: true, changed: [config] });
      write('');
      const bad = await line(3);
      expect(bad).toMatchObject({ ok: false, changed: [config] });
      expect(bad.error).toMatch(/hostname.*\[config-invalid\]/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(lines).toHaveLength(3);
  }, slow(300_000));
});
