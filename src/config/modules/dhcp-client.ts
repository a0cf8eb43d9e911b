import { defineModule } from '../modules.js';
import { ifname } from '../options.js';
import type { DhcpClientOptions } from '../types.js';

/** udhcpc's event script: address, default route and /run/resolv.conf (/etc links to it). */
export const UDHCPC_SCRIPT = `#!/bin/sh
# udhcpc event script: $1 is the event, the lease is in the environment.
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip -4 addr add "$ip/\${mask:-24}" \${broadcast:+broadcast "$broadcast"} dev "$interface"
    if [ -n "$router" ]; then
      while ip -4 route del default dev "$interface" 2>/dev/null; do :; done
      for r in $router; do ip -4 route add default via "$r" dev "$interface" && break; done
    fi
    : > /run/resolv.conf
    [ -n "$domain" ] && echo "search $domain" >> /run/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /run/resolv.conf; done
    ;;
esac
exit 0
`;

/** dhcpClient: busybox udhcpc in the foreground on one interface. */
export const dhcpClient = defineModule<DhcpClientOptions, { interface: string }>({
  name: 'dhcpClient',
  description: 'DHCP client (udhcpc)',
  options: { interface: ifname },
  defaults: { interface: 'eth0' },
  contribute(o) {
    return {
      files: { '/etc/udhcpc.script': { content: UDHCPC_SCRIPT, mode: 0o755 } },
      services: { dhcpClient: { run: `udhcpc -f -S -i ${o.interface} -s /etc/udhcpc.script` } },
      requirements: ['ethernet'],
    };
  },
});
