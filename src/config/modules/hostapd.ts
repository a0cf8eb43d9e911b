import { OptionError } from '../errors.js';
import { defineModule } from '../modules.js';
import { ifname, t } from '../options.js';
import type { HostapdOptions } from '../types.js';

/** hostapd: a WPA2-PSK access point; the config holds the passphrase, so it is 0600. */
export const hostapd = defineModule<HostapdOptions, { package: string; interface: string; channel: number; hwMode: 'g' | 'a' }>({
  name: 'hostapd',
  description: 'wireless access point (WPA2-PSK)',
  options: {
    package: t.string({ nonEmpty: true }),
    interface: ifname,
    ssid: t.string({ pattern: /^[^\n\r\0]{1,32}$/, what: 'an SSID of 1-32 characters without newlines' }),
    psk: t.string({ pattern: /^[\x20-\x7e]{8,63}$/, what: 'a WPA passphrase of 8-63 printable ASCII characters' }),
    channel: t.int({ min: 1, max: 196 }),
    countryCode: t.string({ pattern: /^[A-Z]{2}$/, what: 'a two-letter country code' }),
    hwMode: t.oneOf('g', 'a'),
    bridge: ifname,
    bridgePorts: t.list(ifname),
  },
  required: ['ssid', 'psk'],
  defaults: { package: 'hostapd', interface: 'wlan0', channel: 6, hwMode: 'g' },
  contribute(o, ctx) {
    if (Buffer.byteLength(o.ssid) > 32) throw new OptionError('bad-option', 'hostapd', 'ssid', `is ${Buffer.byteLength(o.ssid)} bytes in UTF-8; at most 32`);
    if (o.bridgePorts?.length && !o.bridge) throw new OptionError('bad-option', 'hostapd', 'bridgePorts', 'needs the bridge option (the bridge to put them in)');
    const lines = [
      `interface=${o.interface}`,
      'driver=nl80211',
      ...(o.bridge ? [`bridge=${o.bridge}`] : []),
      'ctrl_interface=/run/hostapd',
      `ssid=${o.ssid}`,
      ...(o.countryCode ? [`country_code=${o.countryCode}`, 'ieee80211d=1'] : []),
      `hw_mode=${o.hwMode}`,
      `channel=${o.channel}`,
      'ieee80211n=1',
      'wmm_enabled=1',
      'auth_algs=1',
      'wpa=2',
      'wpa_key_mgmt=WPA-PSK',
      'rsn_pairwise=CCMP',
      `wpa_passphrase=${o.psk}`,
    ];
    const exec = `${ctx.pkg(o.package)}/bin/hostapd /etc/hostapd.conf`;
    // The bridge and its wired ports first (busybox brctl/ip; "exists" and "already a port"
    // are fine on a restart); hostapd then adds the radio itself.
    const run = o.bridge && o.bridgePorts?.length
      ? [
          `brctl addbr ${o.bridge} 2>/dev/null || :`,
          ...o.bridgePorts.flatMap((p) => [`ip link set ${p} up`, `brctl addif ${o.bridge} ${p} 2>/dev/null || :`]),
          `ip link set ${o.bridge} up`,
          `exec ${exec}`,
        ].join('\n')
      : exec;
    return {
      files: { '/etc/hostapd.conf': { content: lines.join('\n') + '\n', mode: 0o600 } },
      services: { hostapd: { run } },
      requirements: ['wifi'],
    };
  },
});
