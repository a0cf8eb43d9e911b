import { defineModule } from '../modules.js';
import { ifname, t } from '../options.js';
import type { DhcpServerOptions } from '../types.js';

const octets = '(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}';
const ipv4 = t.string({ pattern: new RegExp(`^${octets}$`), what: 'an IPv4 address' });
const ipv4Prefix = t.string({ pattern: new RegExp(`^${octets}/(3[0-2]|[12]?\\d)$`), what: "an IPv4 address with prefix length, e.g. '192.168.8.1/24'" });

/** dhcpServer: busybox udhcpd on the LAN interface, leases in /run. */
export const dhcpServer = defineModule<DhcpServerOptions, { interface: string; leaseSeconds: number }>({
  name: 'dhcpServer',
  description: 'DHCP server (udhcpd)',
  options: { interface: ifname, address: ipv4Prefix, start: ipv4, end: ipv4, router: ipv4, dns: t.list(ipv4), leaseSeconds: t.int({ min: 60 }) },
  required: ['start', 'end', 'router'],
  defaults: { interface: 'eth0', leaseSeconds: 43200 },
  contribute(o) {
    const conf = [
      `interface ${o.interface}`,
      `start ${o.start}`,
      `end ${o.end}`,
      'lease_file /run/udhcpd.leases',
      `option router ${o.router}`,
      `option dns ${(o.dns ?? [o.router]).join(' ')}`,
      'option subnet 255.255.255.0',
      `option lease ${o.leaseSeconds}`,
    ];
    // udhcpd answers from the interface's own address: give the LAN port its address first.
    const up = o.address === undefined ? [] : [`ip -4 addr replace ${o.address} dev ${o.interface}`, `ip link set ${o.interface} up`];
    return {
      files: { '/etc/udhcpd.conf': { content: conf.join('\n') + '\n' } },
      services: { dhcpServer: { run: [...up, 'touch /run/udhcpd.leases', 'exec udhcpd -f /etc/udhcpd.conf'].join('\n') } },
    };
  },
});
