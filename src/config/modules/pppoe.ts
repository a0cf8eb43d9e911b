import { defineModule } from '../modules.js';
import { ifname, lineText, t } from '../options.js';
import type { PppoeOptions } from '../types.js';
import { PPP_IP_UP, pppRedialScript, pppSecrets } from './ppp-common.js';

/**
 * pppoe: pppd with the rp-pppoe plugin (`<ppp>/lib/pppd/rp-pppoe.so`), default route and peer
 * DNS. pppd runs once per session under a redial loop (ppp-common.ts) that brings the WAN port
 * up, logs why a session ended and backs off after failures.
 */
export const pppoe = defineModule<PppoeOptions, { package: string; defaultRoute: boolean; lcpEchoInterval: number; lcpEchoFailure: number }>({
  name: 'pppoe',
  description: 'PPPoE uplink (pppd + rp-pppoe plugin)',
  options: {
    package: t.string({ nonEmpty: true }),
    interface: ifname,
    username: lineText('a user name without quotes or newlines'),
    password: lineText('a password without quotes or newlines'),
    defaultRoute: t.bool(),
    lcpEchoInterval: t.int({ min: 1 }),
    lcpEchoFailure: t.int({ min: 1 }),
  },
  required: ['interface', 'username', 'password'],
  defaults: { package: 'ppp', defaultRoute: true, lcpEchoInterval: 30, lcpEchoFailure: 4 },
  contribute(o, ctx) {
    const ppp = ctx.pkg(o.package);
    // By store path: a bare name would be looked up in pppd's compiled-in /usr/lib/pppd/<version>.
    const opts = [
      `plugin ${ppp}/lib/pppd/rp-pppoe.so`,
      `nic-${o.interface}`,
      `user "${o.username}"`,
      'noauth',
      'noipdefault',
      ...(o.defaultRoute ? ['defaultroute', 'replacedefaultroute'] : []),
      'usepeerdns',
      // A dead line (no LCP echo replies) ends the session, and the redial loop dials again.
      `lcp-echo-interval ${o.lcpEchoInterval}`,
      `lcp-echo-failure ${o.lcpEchoFailure}`,
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
        '/etc/ppp/ip-up': { content: PPP_IP_UP, mode: 0o755 },
      },
      // pppd writes peer DNS to /etc/ppp/resolv.conf: send it to the writable /run.
      symlinks: { '/etc/ppp/resolv.conf': '/run/resolv.conf' },
      services: {
        pppoe: {
          run: pppRedialScript({ name: 'pppoe', pppd: `${ppp}/bin/pppd`, peer: 'pppoe', username: o.username, linkUp: o.interface }),
          // pppd logs through syslog(3): start after syslogd so the first attempts are kept.
          dependsOn: ctx.uses('syslog') ? ['syslogd'] : [],
        },
      },
      requirements: ['ppp', 'ethernet'],
    };
  },
});
