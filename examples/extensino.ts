// Wireless extender on a GL.iNet GL-MT300N-v2 (MT7628): hostapd bridged with the wired port.
// SSID and passphrase come from NIXWRT_SSID / NIXWRT_PSK (unset or empty: the demo defaults,
// which are for demos only).
import { defineConfig } from 'nixwrt-ts';

const ssid = process.env.NIXWRT_SSID || 'extensino-demo';
const psk = process.env.NIXWRT_PSK || 'demo-passphrase-change-me';

export default defineConfig({
  device: 'gl-mt300n-v2',
  hostname: 'extensino',
  lock: '../fixtures/lock.json',
  modules: [
    { name: 'busybox' },
    { name: 'syslog', options: { local: true } },
    { name: 'dhcpClient', options: { interface: 'br0' } },
    // The wired port and the radio in one bridge; the DHCP client takes its address there.
    { name: 'hostapd', options: { ssid, psk, interface: 'wlan0', bridge: 'br0', bridgePorts: ['eth0'], channel: 6, countryCode: 'GB' } },
  ],
  outputs: { wanted: ['firmware', 'manifest'] },
});
