// PPPoE router on a GL.iNet GL-MT300A (MT7620A, two Ethernet ports): PPPoE uplink on the WAN
// port, DHCP for the LAN. Credentials from NIXWRT_PPPOE_USER / NIXWRT_PPPOE_PASSWORD (demo
// defaults). (The fixture userland is Debian mipsel, so a little-endian board: Debian has no
// big-endian MIPS port any more for a GL-AR750.)
import { defineConfig } from 'nixwrt-ts';

export default defineConfig({
  device: 'gl-mt300a',
  hostname: 'defalutroute',
  lock: '../fixtures/lock.json',
  modules: [
    { name: 'syslog', options: { local: true } },
    {
      name: 'pppoe',
      options: {
        interface: 'eth0',
        username: process.env.NIXWRT_PPPOE_USER || 'demo@isp.example',
        password: process.env.NIXWRT_PPPOE_PASSWORD || 'demo-password',
      },
    },
    { name: 'dhcpServer', options: { interface: 'eth1', address: '192.168.8.1/24', start: '192.168.8.100', end: '192.168.8.250', router: '192.168.8.1' } },
  ],
  kernelCmdline: ['loglevel=5'],
  outputs: { wanted: ['firmware', 'manifest'] },
});
