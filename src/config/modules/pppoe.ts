import { defineModule } from '../modules.js';
import { ifname, lineText, t } from '../options.js';
import type { PppoeOptions } from '../types.js';
import { pppSecrets } from './ppp-common.js';

/** pppoe: pppd with the rp-pppoe plugin (`<ppp>/lib/pppd/rp-pppoe.so`), persistent, default route and peer DNS. */
export const pppoe = defineModule<PppoeOptions, { package: string; defaultRoute: boolean }>({
  name: 'pppoe',
  description: 'PPPoE uplink (pppd + rp-pppoe plugin)',
  options: {
    package: t.string({ nonEmpty: true }),
    interface: ifname,
    username: lineText('a user name without quotes or newlines'),
    password: lineText('a password without quotes or newlines'),
    defaultRoute: t.bool(),
  },
  required: ['interface', 'username', 'password'],
  defaults: { package: 'ppp', defaultRoute: true },
  contribute(o, ctx) {
    // By store path: a bare name would be looked up in pppd's compiled-in /usr/lib/pppd/<version>.
    const opts = [
      `plugin ${ctx.pkg(o.package)}/lib/pppd/rp-pppoe.so`,
      `nic-${o.interface}`,
      `user "${o.username}"`,
      'noauth',
      'noipdefault',
      ...(o.defaultRoute ? ['defaultroute', 'replacedefaultroute'] : []),
      'usepeerdns',
      'persist',
      'maxfail 0',
      'holdoff 10',
      'lcp-echo-interval 30',
      'lcp-echo-failure 4',
      'mtu 1492',
      'mru 1492',
      'hide-password',
    ];
    const secrets = pppSecrets(o.username, o.password);
    return {
      files: {
        '/etc/ppp/peers/pppoe': { content: opts.join('\n') + '\n' },
        '/etc/ppp/chap-secrets': { content: secrets, mode: 0o600 },
        '/etc/ppp/pap-secrets': { content: secrets, mode: 0o600 },
      },
      // pppd writes peer DNS to /etc/ppp/resolv.conf: send it to the writable /run.
      symlinks: { '/etc/ppp/resolv.conf': '/run/resolv.conf' },
      services: { pppoe: { run: `${ctx.pkg(o.package)}/bin/pppd nodetach call pppoe` } },
      requirements: ['ppp', 'ethernet'],
    };
  },
});
