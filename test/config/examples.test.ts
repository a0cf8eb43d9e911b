import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateConfig, loadSystem } from '../../src/config/evaluate.js';
import { loadConfig, loadLock } from '../../src/config/load.js';

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
    expect(Object.keys(s.services).sort()).toEqual(['dhcpClient', 'klogd', 'ntpd', 'sshd', 'syslogd']);
    expect(s.files['/root/.ssh/authorized_keys']!.content).toMatch(/^ssh-ed25519 \S+ nixwrt-demo-key-TEST-ONLY\n$/);
    expect(s.files['/etc/hostname']!.content).toBe('emu\n');
  });

  it('arhcive.ts evaluates (rsync from the fixture cache)', async () => {
    const s = await loadSystem(example('arhcive.ts'));
    expect(s.packages.map((p) => p.name)).toEqual(['busybox', 'rsync']);
    expect(s.requirements).toEqual(['ethernet', 'usb']);
    expect(s.services.rsyncd!.dependsOn).toEqual(['usbdisk']);
  });

  it('extensino.ts and defalutroute.ts fail clearly on the fixture lock (no hostapd / ppp there)', async () => {
    await expect(loadSystem(example('extensino.ts'))).rejects.toThrow(/unknown package 'hostapd' \(wanted by module hostapd\): not in lock .*fixtures\/lock\.json/);
    await expect(loadSystem(example('defalutroute.ts'))).rejects.toThrow(/unknown package 'ppp' \(wanted by module pppoe\): not in lock/);
  });

  it('extensino.ts and defalutroute.ts evaluate with a lock that has their packages', async () => {
    const lock = await loadLock(join(root, 'fixtures/lock.json'));
    lock.packages.hostapd = '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hostapd-2.10';
    lock.packages.ppp = '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-ppp-2.4.9';
    const ext = await loadConfig(example('extensino.ts'));
    const s = await evaluateConfig(ext.config, { dir: ext.dir, lock });
    expect(s.files['/etc/hostapd.conf']!.content).toContain('ssid=extensino-demo\n');
    expect(s.requirements).toEqual(['ethernet', 'wifi']);
    const d = await loadConfig(example('defalutroute.ts'));
    const r = await evaluateConfig(d.config, { dir: d.dir, lock });
    expect(Object.keys(r.services).sort()).toEqual(['dhcpServer', 'klogd', 'pppoe', 'syslogd']);
    expect(r.kernelCmdline).toEqual(['loglevel=5']);
  });

  it('type-check: every example compiles against defineConfig', () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', join(root, 'examples/tsconfig.json')], { stdio: 'pipe' })).not.toThrow();
  }, 120_000);
});
