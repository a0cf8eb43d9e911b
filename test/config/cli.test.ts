import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { slow } from '../helpers/slack.js';

// Runs the compiled CLI (npm test compiles first), as a user would.
const root = fileURLToPath(new URL('../../', import.meta.url));
const nixwrt = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/nixwrt.js'), ...args], { encoding: 'utf8' });
const hostapdConf = (env: Record<string, string>) => {
  const r = spawnSync(process.execPath, [join(root, 'bin/nixwrt.js'), 'eval', '--json', join(root, 'examples/extensino.ts')], {
    encoding: 'utf8',
    env: { ...process.env, NIXWRT_SSID: '', NIXWRT_PSK: '', ...env },
  });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { files: Record<string, { content: string }> }).files['/etc/hostapd.conf']!.content;
};

describe('nixwrt eval', () => {
  it('summarises examples/emu.ts', () => {
    const r = nixwrt('eval', join(root, 'examples/emu.ts'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('hostname    emu\n');
    expect(r.stdout).toMatch(/services    dhcpClient, syslogd, klogd \(after syslogd\), ntpd \(after dhcpClient\), sshd, syslogFile \(after syslogd\)\n/);
  }, slow(60_000));
  it('prints the System as JSON', () => {
    const r = nixwrt('eval', '--json', join(root, 'test/config/data/minimal.json'));
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as { hostname: string; files: Record<string, { content: string }> };
    expect(s.hostname).toBe('jsonbox');
    expect(s.files['/etc/hostname']!.content).toBe('jsonbox\n');
  }, slow(60_000));
  it('takes extensino\'s SSID and passphrase from NIXWRT_SSID / NIXWRT_PSK, with demo defaults', () => {
    const unset = hostapdConf({});
    expect(unset).toContain('ssid=extensino-demo\n');
    expect(unset).toContain('wpa_passphrase=demo-passphrase-change-me\n');
    const set = hostapdConf({ NIXWRT_SSID: 'my-net', NIXWRT_PSK: 'correct horse battery' });
    expect(set).toContain('ssid=my-net\n');
    expect(set).toContain('wpa_passphrase=correct horse battery\n');
  }, slow(60_000));
  it('fails naming an unknown module, a bad option, an unknown package', () => {
    const a = nixwrt('eval', join(root, 'test/config/data/unknown-module.json'));
    expect(a.status).toBe(1);
    expect(a.stderr).toMatch(/^nixwrt: .*unknown-module\.json: modules\[0\]: unknown module 'telnetd' \(known: .*\) \[unknown-module\]\n$/);
    const b = nixwrt('eval', join(root, 'test/config/data/bad-option.json'));
    expect(b.stderr).toBe(`nixwrt: ${join(root, 'test/config/data/bad-option.json')}: modules[0]: module sshd: option port: expected an integer >= 1 <= 65535, got 70000 [bad-option]\n`);
    const c = nixwrt('eval', join(root, 'test/config/data/unknown-package.json'));
    expect(c.stderr).toMatch(/^nixwrt: unknown package 'ppp' \(wanted by module pppoe\): not in lock .*test\/config\/data\/lock\.json; known: .* \[unknown-package\]\n$/);
  }, slow(60_000));
});
