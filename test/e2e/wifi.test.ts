/**
 * End to end on QEMU Malta for the wireless extender: examples/extensino.ts moved to qemu-malta.
 * The Malta fixture kernel has cfg80211/mac80211 with mac80211_hwsim built in (two simulated
 * radios, wlan0 and wlan1, made at boot) and bridging, so hostapd from the fixture closure
 * really starts an access point on wlan0 in br0 with the wired port eth0, and the DHCP client
 * gets an address for br0 through the bridge.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build.js';
import { loadConfig, loadSystem } from '../../src/config/index.js';
import { havePeers } from '../helpers/peer.js';
import type { Console } from './console.js';
import { type Booted, bootEmulator, fixturePackages, retry, servicesUp } from './qemu.js';
import { slow } from '../helpers/slack.js';

const root = join(import.meta.dirname, '..', '..');
const lockPackages = fixturePackages('kernel-malta', 'hostapd', 'wpa-supplicant');

describe.skipIf(!havePeers('qemu-system-mipsel'))('extensino on qemu-malta: hostapd on a mac80211_hwsim radio, bridged', () => {
  const work = mkdtempSync(join(tmpdir(), 'nixwrt-e2e-wifi-'));
  const out = join(work, 'out');
  let booted: Booted | undefined;
  let con: Console;
  /** hostapd.conf as generated (SSID and passphrase follow NIXWRT_SSID / NIXWRT_PSK). */
  let conf: Map<string, string>;

  beforeAll(async () => {
    const ex = await loadConfig(join(root, 'examples', 'extensino.ts'));
    const config = {
      ...ex.config,
      device: 'qemu-malta',
      lock: resolve(ex.dir, ex.config.lock!),
      // A station for the access point, run by hand on the second radio.
      packages: [...(ex.config.packages ?? []), 'wpa-supplicant'],
      outputs: { wanted: ['emulator', 'manifest'] },
    };
    writeFileSync(join(work, 'extensino-malta.json'), JSON.stringify(config));
    const text = String((await loadSystem(join(work, 'extensino-malta.json'))).files['/etc/hostapd.conf']!.content);
    conf = new Map(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    await build({ config: join(work, 'extensino-malta.json'), outDir: out, cacheDir: join(work, 'cache'), jobs: 2 });
    booted = await bootEmulator(join(out, 'emulator'));
    con = booted.con;
  }, slow(400_000));

  afterAll(async () => {
    await booted?.stop();
  });

  it('has the two simulated radios', async () => {
    expect(await con.run('ls /sys/class/ieee80211')).toBe('phy0\nphy1\n');
    expect(await con.run('ls -d /sys/class/net/wlan*')).toBe('/sys/class/net/wlan0\n/sys/class/net/wlan1\n');
  });

  it('runs hostapd under the supervisor since boot, with the access point enabled on wlan0', async () => {
    expect(await servicesUp(con, ['hostapd'])).toMatch(/^hostapd running \d+ starts=1$/m);
    const status = await retry(async () => {
      const s = await con.run(`${lockPackages.hostapd}/bin/hostapd_cli -p /run/hostapd -i wlan0 status`);
      expect(s).toMatch(/^state=ENABLED$/m);
      return s;
    }, 6, 2000);
    expect(status).toContain(`\nssid[0]=${conf.get('ssid')}\n`);
    expect(status).toMatch(/^channel=6$/m);
    expect(status).toMatch(/^freq=2437$/m);
    // The radio is an AP (iftype 3, NL80211_IFTYPE_AP) and carries the BSS.
    expect(await con.run('cat /sys/class/net/wlan0/operstate')).toBe('up\n');
  }, slow(60_000));

  it('has br0 with the wired port and the radio in it', async () => {
    expect(await con.run('ls /sys/class/net/br0/brif')).toBe('eth0\nwlan0\n');
    expect(await con.run('cat /sys/class/net/br0/operstate')).toBe('up\n');
  });

  it('lets a WPA2-PSK station on the second radio (wpa_supplicant on wlan1) join', async () => {
    const wpa = [
      'ctrl_interface=/run/wpa_supplicant',
      'network={',
      `  ssid=${JSON.stringify(conf.get('ssid'))}`,
      `  psk=${JSON.stringify(conf.get('wpa_passphrase'))}`,
      '  key_mgmt=WPA-PSK',
      '  proto=RSN',
      '}',
    ];
    // One line on the console: printf repeats its format for each quoted argument.
    await con.run(`printf '%s\\n' ${wpa.map((l) => `'${l.replace(/'/g, "'\\''")}'`).join(' ')} > /tmp/wpa.conf`);
    expect(await con.run(`${lockPackages['wpa-supplicant']}/bin/wpa_supplicant -B -D nl80211 -i wlan1 -c /tmp/wpa.conf; echo "exit=$?"`)).toMatch(/exit=0\n$/);
    const mac = (await con.run('cat /sys/class/net/wlan1/address')).trim();
    const sta = await retry(async () => {
      const s = await con.run(`${lockPackages.hostapd}/bin/hostapd_cli -p /run/hostapd -i wlan0 sta ${mac}`);
      expect(s).toMatch(/^flags=.*\[AUTHORIZED\]/m); // the 4-way handshake is done
      return s;
    }, 15, 2000);
    expect(sta.startsWith(`${mac}\n`)).toBe(true);
    expect(await con.run('cat /sys/class/net/wlan1/operstate')).toBe('up\n');
  }, slow(60_000));

  it('carries the station\'s DHCP through the access point and the bridge to the wired side', async () => {
    // udhcpc on wlan1 asks QEMU's DHCP server, which is only reachable wlan1 -> (hwsim) wlan0 ->
    // br0 -> eth0. -q: quit once leased; the script is `true`, so wlan1 keeps no address or route.
    const r = await retry(async () => {
      const out = await con.run('udhcpc -i wlan1 -n -q -t 5 -T 2 -s /bin/true 2>&1; echo "exit=$?"', 30_000);
      expect(out).toMatch(/exit=0\n$/);
      return out;
    }, 4, 2000);
    expect(r).toMatch(/lease of 10\.0\.2\.\d+ obtained/);
  }, slow(150_000));

  it('gets an address for br0 by DHCP through the bridge', async () => {
    await retry(async () => {
      expect(await con.run('ip -4 addr show dev br0')).toMatch(/inet 10\.0\.2\.\d+\//);
    });
  }, slow(120_000));
});
