/**
 * End to end: build examples/emu.ts from the fixture cache served over loopback HTTP with the
 * CLI, boot it with `nixwrt run` under qemu-system-mipsel, and check the running system from
 * its serial console; at the end a guest poweroff ends `nixwrt run`.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSystem, type System } from '../../src/config/index.js';
import type { Manifest } from '../../src/image/manifest.js';
import { havePeers } from '../helpers/peer.js';
import type { Console } from './console.js';
import { type Booted, bootEmulator, fixturePackages, freePort, retry, servicesUp } from './qemu.js';
import { serveDir } from './serve.js';
import { slow } from '../helpers/slack.js';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'bin', 'nixwrt.js');
const config = join(root, 'examples', 'emu.ts');
const run = promisify(execFile);

fixturePackages('kernel-malta'); // fails loudly if the committed lock lost the kernel

describe.skipIf(!havePeers('qemu-system-mipsel'))('examples/emu.ts end to end', () => {
  const work = mkdtempSync(join(tmpdir(), 'nixwrt-e2e-'));
  const out = join(work, 'out');
  let cache: Awaited<ReturnType<typeof serveDir>>;
  let booted: Booted | undefined;
  let con: Console;
  let system: System;
  let manifest: Manifest;
  let sshPort = 0;

  beforeAll(async () => {
    cache = await serveDir(join(root, 'fixtures', 'cache'));
    system = await loadSystem(config);
  });

  afterAll(async () => {
    await booted?.stop();
    await new Promise((r) => cache.server.close(r));
  });

  it('builds with nixwrt build from the cache over HTTP', async () => {
    const { stdout } = await run(process.execPath, [
      cli, 'build', config, '--out', out, '--cache-dir', join(work, 'cache'),
      '--substituter', cache.url, '--trusted-public-key', readFileSync(join(root, 'fixtures', 'cache.pub'), 'utf8').trim(),
      '--json',
    ], { timeout: slow(240_000) });
    const result = JSON.parse(stdout) as { files: Array<{ file: string }> };
    expect(result.files.map((f) => f.file)).toEqual(['emulator/vmlinux', 'emulator/rootfs.squashfs', 'emulator/run.json']);
    expect(cache.requests.some((p) => p.endsWith('.narinfo'))).toBe(true);
    manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.hostname).toBe(system.hostname);
  }, slow(300_000));

  it('boots with nixwrt run and gives a shell on the console', async () => {
    expect(existsSync(join(out, 'emulator', 'run.json'))).toBe(true);
    sshPort = await freePort();
    booted = await bootEmulator(join(out, 'emulator'), { sshPort });
    con = booted.con;
    expect(await con.run('echo ok')).toBe('ok\n');
  }, slow(150_000));

  it('has the configured hostname', async () => {
    expect((await con.run('hostname')).trim()).toBe(system.hostname);
  });

  it('has the closure under /nix/store', async () => {
    const listed = (await con.run('ls /nix/store')).split(/\s+/).filter(Boolean).sort();
    expect(listed).toEqual(manifest.storePaths.map((p) => basename(p)).sort());
  });

  it('has the generated /etc files, byte for byte', async () => {
    for (const path of ['/etc/passwd', '/etc/group', '/etc/hosts', '/etc/inittab']) {
      const want = system.files[path]?.content;
      expect(want, path).toBeDefined();
      expect(await con.run(`cat ${path}`), path).toBe(String(want));
    }
  });

  it('runs the supervised services', async () => {
    const services = Object.entries(system.services).filter(([, s]) => s.restart).map(([n]) => n);
    expect(services.length).toBeGreaterThan(0);
    // Services wait for their dependencies: give them a few seconds to come up.
    const status = await servicesUp(con, services);
    // starts=1 and the same pid 5 s later: running since boot, not caught between two crashes.
    for (const n of services) expect(status).toMatch(new RegExp(`^${n} running \\d+ starts=1$`, 'm'));
    await new Promise((r) => setTimeout(r, 5000));
    expect(await con.run('/etc/svc/status')).toBe(status);
  }, slow(300_000));

  it.skipIf(!havePeers('ssh'))('answers ssh on loopback: dropbear with the demo key, through QEMU user networking', async () => {
    const key = join(work, 'demo-ssh-key');
    copyFileSync(join(root, 'examples', 'demo-ssh-key'), key);
    chmodSync(key, 0o600); // ssh refuses a private key others can read
    const args = [
      '-i', key, '-p', String(sshPort), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
      '-o', 'UserKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=10', 'root@127.0.0.1', 'hostname; cat /proc/sys/kernel/hostname',
    ];
    // The guest gets its address by DHCP and dropbear makes its host key on first use: retry.
    await retry(async () => {
      const { stdout } = await run('ssh', args, { timeout: slow(30_000) });
      expect(stdout).toBe(`${system.hostname}\n${system.hostname}\n`);
    });
  }, slow(240_000));

  it('logread reads the local log, which is also in /run/log/messages', async () => {
    await con.run('logger nixwrt-e2e-mark');
    await retry(async () => {
      expect(await con.run('logread')).toMatch(/root: nixwrt-e2e-mark$/m);
      expect(await con.run('cat /run/log/messages')).toMatch(/root: nixwrt-e2e-mark$/m);
    });
  }, slow(60_000));

  it('poweroff in the guest ends nixwrt run with status 0, without errors from the shutdown script', async () => {
    const from = con.text.length;
    con.send('poweroff\n');
    const code = await new Promise<number | null>((res) => (booted!.qemu.exitCode !== null ? res(booted!.qemu.exitCode) : booted!.qemu.once('exit', (c) => res(c))));
    expect(code).toBe(0);
    expect(con.text.slice(from)).toContain('Sent SIGKILL to all processes');
    expect(con.text.slice(from)).not.toMatch(/not found/);
  }, slow(120_000));
});
