import { defineModule } from '../modules.js';
import { t } from '../options.js';
import type { SyslogOptions } from '../types.js';

const loghost = t.string({ pattern: /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(:[0-9]{1,5})?$/, what: "'host' or 'host:port'" });

/**
 * syslog: busybox syslogd in the foreground, to a remote loghost (-R) and/or a local ring
 * buffer readable with logread (-C); klogd forwards kernel messages to it.
 */
export const syslog = defineModule<SyslogOptions, { local: boolean }>({
  name: 'syslog',
  description: 'syslogd (remote loghost) and klogd',
  options: { loghost, local: t.bool() },
  defaults: { local: true },
  contribute(o) {
    const flags = ['-n'];
    if (o.loghost !== undefined) flags.push('-R', o.loghost);
    if (o.local) flags.push(...(o.loghost !== undefined ? ['-L'] : []), '-C64');
    return {
      services: {
        syslogd: { run: `syslogd ${flags.join(' ')}` },
        klogd: { run: 'klogd -n', dependsOn: ['syslogd'] },
      },
    };
  },
});
