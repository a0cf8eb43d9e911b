import { defineModule } from '../modules.js';
import { hostOrIp, t } from '../options.js';
import type { NtpdOptions } from '../types.js';

/**
 * ntpd: busybox's ntpd when busybox has it, else the `ntpd` of `package`. Debian's
 * busybox-static has no ntpd applet; without a package the module falls back to setting the
 * clock with `rdate -s` (RFC 868, busybox) every hour, trying each server in turn.
 */
export const ntpd = defineModule<NtpdOptions, { servers: string[] }>({
  name: 'ntpd',
  description: 'network time',
  options: { servers: t.list(hostOrIp, { nonEmpty: true }), package: t.string({ nonEmpty: true }) },
  defaults: { servers: ['pool.ntp.org'] },
  contribute(o, ctx) {
    const peers = o.servers.map((s) => `-p ${s}`).join(' ');
    let run: string;
    if (o.package !== undefined) run = `${ctx.pkg(o.package)}/bin/ntpd -n ${peers}`;
    else if (ctx.applets.has('ntpd')) run = `/bin/ntpd -n ${peers}`;
    else {
      run = [
        '# busybox without ntpd: rdate stand-in',
        'while :; do',
        `  for s in ${o.servers.join(' ')}; do rdate -s "$s" 2>/dev/null && break; done`,
        '  sleep 3600',
        'done',
      ].join('\n');
    }
    return { services: { ntpd: { run, dependsOn: ctx.uses('dhcpClient') ? ['dhcpClient'] : [] } } };
  },
});
