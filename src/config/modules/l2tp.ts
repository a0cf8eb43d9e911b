import { defineModule } from '../modules.js';
import { hostOrIp, lineText, t } from '../options.js';
import type { L2tpOptions } from '../types.js';
import { pppSecrets } from './ppp-common.js';

/** l2tp: xl2tpd as an LAC dialling one LNS, pppd (from `pppPackage`) for the session. */
export const l2tp = defineModule<L2tpOptions, { package: string; pppPackage: string }>({
  name: 'l2tp',
  description: 'L2TP uplink (xl2tpd + pppd)',
  options: {
    package: t.string({ nonEmpty: true }),
    pppPackage: t.string({ nonEmpty: true }),
    server: hostOrIp,
    username: lineText('a user name without quotes or newlines'),
    password: lineText('a password without quotes or newlines'),
  },
  required: ['server', 'username', 'password'],
  defaults: { package: 'xl2tpd', pppPackage: 'ppp' },
  contribute(o, ctx) {
    const pppd = `${ctx.pkg(o.pppPackage)}/bin/pppd`;
    const conf = ['[global]', 'port = 1701', '', '[lac upstream]', `lns = ${o.server}`, 'autodial = yes', 'redial = yes', 'redial timeout = 10', 'require authentication = no', `name = ${o.username}`, 'pppoptfile = /etc/ppp/options.l2tp', ''];
    const ppp = [`user "${o.username}"`, 'noauth', 'noipdefault', 'defaultroute', 'replacedefaultroute', 'usepeerdns', 'mtu 1410', 'mru 1410', 'hide-password', ''];
    const secrets = pppSecrets(o.username, o.password);
    return {
      files: {
        '/etc/xl2tpd/xl2tpd.conf': { content: conf.join('\n') },
        '/etc/ppp/options.l2tp': { content: ppp.join('\n') },
        '/etc/ppp/chap-secrets': { content: secrets, mode: 0o600 },
        '/etc/ppp/pap-secrets': { content: secrets, mode: 0o600 },
      },
      symlinks: { '/etc/ppp/resolv.conf': '/run/resolv.conf' },
      services: {
        l2tp: {
          run: `mkdir -p /run/xl2tpd\nexec ${ctx.pkg(o.package)}/bin/xl2tpd -D -c /etc/xl2tpd/xl2tpd.conf -p /run/xl2tpd.pid -C /run/xl2tpd/control -P ${pppd}`,
        },
      },
      requirements: ['ppp'],
    };
  },
});
