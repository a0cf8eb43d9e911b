import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateConfig, loadSystem } from '../../src/config/evaluate.js';
import { loadConfig, loadLock } from '../../src/config/load.js';
import { slow } from '../helpers/slack.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const example = (n: string) => join(root, 'examples', n);

describe('examples', () => {
  it('emu.ts evaluates against the fixture lock', async () => {
    const s = await loadSystem(example('emu.ts'));
    const lock = await loadLock(join(root, 'fixtures/lock.json'));
    expect(s.device).toBe('qemu-malta');
    expect(s.hostname).toBe('emu');
    expect(s.packages).toEqual([
      { name: 'busybox', storePath: lock.packages.busybox },
      { name: 'dropbear', storePath: lock.packages.dropbear },
    ]);
    expect(s.lock.cacheUrl).toBe('file://' + join(root, 'fixtures/cache'));
    expect(Object.keys(s.services).sort()).toEqual(['dhcpClient', 'klogd', 'ntpd', 'sshd', 'syslogFile', 'syslogd']);
    expect(s.files['/root/.ssh/authorized_keys']!.content).toMatch(/^ssh-ed25519 \S+ nixwrt-demo-key-TEST-ONLY\n$/);
    expect(s.files['/etc/hostname']!.content).toBe('emu\n');
  });

  it('arhcive.ts evaluates (rsync from the fixture cache)', async () => {
    const s = await loadSystem(example('arhcive.ts'));
    expect(s.packages.map((p) => p.name)).toEqual(['busybox', 'rsync']);
    expect(s.requirements).toEqual(['ethernet', 'usb']);
    expect(s.services.rsyncd!.dependsOn).toEqual(['usbdisk']);
  });

  it('extensino.ts and defalutroute.ts evaluate against the fixture lock (hostapd, ppp)', async () => {
    const lock = await loadLock(join(root, 'fixtures/lock.json'));
    const s = await loadSystem(example('extensino.ts'));
    expect(s.device).toBe('gl-mt300n-v2');
    expect(s.packages.map((p) => p.name)).toEqual(['busybox', 'hostapd']);
    expect(s.files['/etc/svc/hostapd/run']!.content).toContain(`${lock.packages.hostapd}/bin/hostapd /etc/hostapd.conf`);
    expect(s.requirements).toEqual(['ethernet', 'wifi']);
    const r = await loadSystem(example('defalutroute.ts'));
    expect(r.device).toBe('gl-mt300a');
    expect(Object.keys(r.services).sort()).toEqual(['dhcpServer', 'klogd', 'pppoe', 'syslogFile', 'syslogd']);
    expect(r.files['/etc/ppp/peers/pppoe']!.content).toContain(`plugin ${lock.packages.ppp}/lib/pppd/rp-pppoe.so\n`);
    expect(r.kernelCmdline).toEqual(['loglevel=5']);
  });

  it('type-check: every example compiles against defineConfig', () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', join(root, 'examples/tsconfig.json')], { stdio: 'pipe' })).not.toThrow();
  }, slow(120_000));
});
