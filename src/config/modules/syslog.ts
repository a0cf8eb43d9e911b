import { defineModule } from '../modules.js';
import { t } from '../options.js';
import type { SyslogOptions } from '../types.js';

const loghost = t.string({ pattern: /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(:[0-9]{1,5})?$/, what: "'host' or 'host:port'" });

/**
 * syslog: busybox syslogd in the foreground, to a remote loghost (-R) and/or locally: a file
 * in /run/log (Debian's busybox has no rotation, so it grows in RAM) or, with ringBuffer, a
 * 64 KiB shared-memory ring read by logread (-C; needs CONFIG_SYSVIPC, or syslogd dies with
 * "Function not implemented"). klogd forwards kernel messages to it.
 */
export const syslog = defineModule<SyslogOptions, { local: boolean; ringBuffer: boolean }>({
  name: 'syslog',
  description: 'syslogd (remote loghost) and klogd',
  options: { loghost, local: t.bool(), ringBuffer: t.bool() },
  defaults: { local: true, ringBuffer: false },
  contribute(o) {
    const flags = ['-n'];
    if (o.loghost !== undefined) flags.push('-R', o.loghost);
    if (o.local) flags.push(...(o.loghost !== undefined ? ['-L'] : []), ...(o.ringBuffer ? ['-C64'] : ['-O', '/run/log/messages']));
    return {
      services: {
        syslogd: { run: `syslogd ${flags.join(' ')}` },
        klogd: { run: 'klogd -n', dependsOn: ['syslogd'] },
      },
    };
  },
});
