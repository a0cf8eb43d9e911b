import { defineModule } from '../modules.js';
import { t } from '../options.js';
import type { SyslogOptions } from '../types.js';

const loghost = t.string({ pattern: /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(:[0-9]{1,5})?$/, what: "'host' or 'host:port'" });

/**
 * syslog: busybox syslogd in the foreground, to a remote loghost (-R) and/or locally: a 64 KiB
 * shared-memory ring that logread reads (-C; needs CONFIG_SYSVIPC, or syslogd dies with
 * "Function not implemented"; both fixture kernels have it), copied into the file
 * /run/log/messages by `logread -F` unless ringBuffer (busybox syslogd writes the ring or a
 * file, never both, and its logread reads only the ring; the file has no rotation, so it grows
 * in RAM). klogd forwards kernel messages to it.
 */
export const syslog = defineModule<SyslogOptions, { local: boolean; ringBuffer: boolean }>({
  name: 'syslog',
  description: 'syslogd (remote loghost) and klogd',
  options: { loghost, local: t.bool(), ringBuffer: t.bool() },
  defaults: { local: true, ringBuffer: false },
  contribute(o) {
    const flags = ['-n'];
    if (o.loghost !== undefined) flags.push('-R', o.loghost);
    if (o.local) flags.push(...(o.loghost !== undefined ? ['-L'] : []), '-C64');
    return {
      services: {
        syslogd: { run: `syslogd ${flags.join(' ')}` },
        klogd: { run: 'klogd -n', dependsOn: ['syslogd'] },
        ...(o.local && !o.ringBuffer ? { syslogFile: {
          // syslogd makes the ring a moment after it starts: until then logread fails, and a
          // follower started too soon would exit and be restarted (seen as starts=2).
          run: `sh -c 'until logread >/dev/null 2>&1; do sleep 1; done; exec logread -F >> /run/log/messages'`,
          dependsOn: ['syslogd'],
        } } : {}),
      },
    };
  },
});
