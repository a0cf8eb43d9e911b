import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SystemService } from '../../src/config/types.js';
import { serviceOrder, supervisorFiles } from '../../src/rootfs/services.js';
import { evalModules } from '../config/helpers.js';
import { slow } from '../helpers/slack.js';

// The generated supervisor scripts, run for real on the host's /bin/sh (POSIX; busybox ash on
// the device) with SVC_ROOT pointing at a temp dir. init's respawn is played by the test.
const svc = (run: string, dependsOn: string[] = [], restart = true): SystemService => ({ run, dependsOn, restart });
const services: Record<string, SystemService> = {
  a: svc('sleep 30'),
  b: svc('sleep 30', ['a']),
  c: svc('echo done > "$SVC_ROOT/c.out"', [], false),
  d: svc('sleep 30', ['c']),
};

const root = mkdtempSync(join(tmpdir(), 'nixwrt-svc-'));
for (const [p, f] of Object.entries(supervisorFiles(services))) {
  mkdirSync(dirname(join(root, p)), { recursive: true });
  writeFileSync(join(root, p), f.content);
  chmodSync(join(root, p), f.mode);
}
const env = { ...process.env, SVC_ROOT: root, PATH: process.env.PATH };
const children: ChildProcess[] = [];
const supervise = (name: string) => {
  const c = spawn(join(root, 'etc/svc/supervise'), [name], { env, stdio: 'ignore', detached: true });
  children.push(c);
  return c;
};
const status = () => execFileSync(join(root, 'etc/svc/status'), { env }).toString();
const line = (name: string) => status().split('\n').find((l) => l.startsWith(name + ' '))!;
async function until(pred: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (pred()) return true;
  return pred();
}

afterAll(() => {
  for (const c of children) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

describe('supervisor scripts', () => {
  it('orders services by dependencies and rejects cycles and unknown dependencies', () => {
    expect(serviceOrder(services)).toEqual(['a', 'b', 'c', 'd']);
    expect(readFileSync(join(root, 'etc/svc/order'), 'utf8')).toBe('a\nb\nc\nd\n');
    expect(() => serviceOrder({ x: svc('x', ['y']), y: svc('y', ['x']) })).toThrow('service dependency cycle: x -> y -> x');
    expect(() => serviceOrder({ x: svc('x', ['nope']) })).toThrow(/service x depends on unknown service 'nope'/);
  });

  it('a dependent waits until its dependency runs; a oneshot finishes; a restarted service backs off', async () => {
    supervise('b');
    await new Promise((r) => setTimeout(r, 1500));
    expect(line('b')).toBe('b down starts=0');
    const a = supervise('a');
    expect(await until(() => line('a').startsWith('a running '), 5000)).toBe(true);
    expect(line('a')).toBe(`a running ${a.pid} starts=1`);
    expect(await until(() => line('b').startsWith('b running '), 5000)).toBe(true);

    supervise('d');
    const c = supervise('c');
    await new Promise<void>((r) => c.on('exit', () => r()));
    expect(readFileSync(join(root, 'c.out'), 'utf8')).toBe('done\n');
    expect(line('c')).toBe('c done starts=1');
    expect(await until(() => line('d').startsWith('d running '), 5000)).toBe(true);

    process.kill(a.pid!, 'SIGKILL');
    expect(await until(() => line('a') === 'a down starts=1', 3000)).toBe(true);
    const a2 = supervise('a'); // what init's respawn does
    expect(await until(() => line('a') === `a running ${a2.pid} starts=2`, 6000)).toBe(true);
  }, slow(30_000));

  it('every generated script of the examples parses as shell', async () => {
    const s = await evalModules([
      { name: 'sshd' }, { name: 'syslog', options: { loghost: 'log' } }, { name: 'ntpd' }, { name: 'dhcpClient' },
      { name: 'usbdisk', options: { mountpoint: '/srv' } }, { name: 'rsyncd', options: { modules: { m: { path: '/srv' } } } },
      { name: 'switchconfig', options: { vlans: { '1': '0 1 6t' } } }, { name: 'haveged' }, { name: 'hostapd', options: { ssid: 's', psk: '12345678' } },
    ]);
    let checked = 0;
    for (const [p, f] of Object.entries(s.files)) {
      if (typeof f.content !== 'string' || !f.content.startsWith('#!/bin/sh')) continue;
      expect(() => execFileSync('/bin/sh', ['-n'], { input: f.content, stdio: ['pipe', 'pipe', 'pipe'] }), p).not.toThrow();
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(17);
  });
});
