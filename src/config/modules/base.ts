import { defineModule } from '../modules.js';
import { hostOrIp, t } from '../options.js';
import type { BaseOptions } from '../types.js';

/** mdev rules: device permissions for hotplugged nodes (names are regexes). */
const MDEV_CONF = `# mdev rules: <device regex> <uid>:<gid> <mode>
null 0:0 666
zero 0:0 666
full 0:0 666
random 0:0 666
urandom 0:0 666
console 0:0 600
kmsg 0:0 644
ptmx 0:0 666
tty 0:0 666
tty[0-9]+ 0:0 620
ttyS[0-9]+ 0:0 660
sd[a-z][0-9]* 0:0 660
mtd[0-9]+ 0:0 660
mtdblock[0-9]+ 0:0 660
`;

const RC_SHUTDOWN = `#!/bin/sh
# Run by init at shutdown: stop services, flush, unmount. (kill -1: every process but init and
# this shell; busybox has no killall5.)
kill -TERM -1 2>/dev/null; sleep 1; kill -KILL -1 2>/dev/null
sync
umount -a -r 2>/dev/null
`;

/**
 * The skeleton every image has: root and nobody, /etc basics, the boot script, device nodes
 * for the first seconds before devtmpfs/mdev, and the standard mounts. passwd, group, shadow,
 * fstab, hosts, inittab and rcS are rendered from the merged system (see evaluate.ts).
 */
export const base = defineModule<BaseOptions, { rootPasswordHash: string; console: string; timezone: string; hosts: Record<string, string> }>({
  name: 'base',
  description: 'users, /etc, boot script, mounts, device nodes',
  options: {
    rootPasswordHash: t.string({ pattern: /^[^:\n]*$/, what: 'a crypt(3) hash without ":" (or "" / "*")' }),
    console: t.string({ pattern: /^[a-zA-Z0-9]+$/, what: "a tty name such as 'console' or 'ttyS0'" }),
    hosts: t.record(hostOrIp, { key: /^[A-Za-z0-9][A-Za-z0-9.-]*$/, keyWhat: 'a host name' }),
    timezone: t.string({ pattern: /^[A-Za-z0-9+,:<>_/-]+$/, what: 'a POSIX TZ string' }),
  },
  defaults: { rootPasswordHash: '*', console: 'console', timezone: 'UTC0', hosts: {} },
  contribute(o, ctx) {
    const dir = (mode = 0o755) => ({ mode });
    return {
      directories: {
        '/bin': dir(), '/dev': dir(), '/dev/pts': dir(), '/dev/shm': dir(0o1777), '/etc': dir(), '/etc/rc.d': dir(),
        '/mnt': dir(), '/proc': dir(0o555), '/sys': dir(0o555), '/tmp': dir(0o1777), '/run': dir(), '/root': dir(0o700),
        '/var/empty': dir(0o555),
      },
      symlinks: { '/var/run': '/run', '/var/log': '/run/log', '/var/tmp': '/tmp', '/etc/resolv.conf': '/run/resolv.conf', '/etc/mtab': '/proc/mounts' },
      devices: {
        '/dev/console': { type: 'char', major: 5, minor: 1, mode: 0o600 },
        '/dev/null': { type: 'char', major: 1, minor: 3, mode: 0o666 },
        '/dev/zero': { type: 'char', major: 1, minor: 5, mode: 0o666 },
        '/dev/random': { type: 'char', major: 1, minor: 8, mode: 0o666 },
        '/dev/urandom': { type: 'char', major: 1, minor: 9, mode: 0o666 },
        '/dev/kmsg': { type: 'char', major: 1, minor: 11, mode: 0o644 },
        '/dev/tty': { type: 'char', major: 5, minor: 0, mode: 0o666 },
        '/dev/ptmx': { type: 'char', major: 5, minor: 2, mode: 0o666 },
        '/dev/ttyS0': { type: 'char', major: 4, minor: 64, mode: 0o660 },
      },
      users: {
        root: { uid: 0, gid: 0, home: '/root', shell: '/bin/sh', gecos: 'root', passwordHash: o.rootPasswordHash },
        nobody: { uid: 65534, gid: 65534, home: '/var/empty', shell: '/bin/false', gecos: 'nobody', passwordHash: '*' },
      },
      groups: { root: { gid: 0 }, nogroup: { gid: 65534 } },
      mounts: {
        '/proc': { device: 'proc', fstype: 'proc' },
        '/sys': { device: 'sysfs', fstype: 'sysfs' },
        '/dev/pts': { device: 'devpts', fstype: 'devpts', options: ['gid=0', 'mode=620', 'ptmxmode=666'] },
        '/tmp': { device: 'tmpfs', fstype: 'tmpfs', options: ['mode=1777', 'nosuid', 'nodev'] },
        '/run': { device: 'tmpfs', fstype: 'tmpfs', options: ['mode=0755', 'nosuid', 'nodev'] },
      },
      hosts: o.hosts,
      files: {
        '/etc/hostname': { content: ctx.hostname + '\n' },
        '/etc/TZ': { content: o.timezone + '\n' },
        '/etc/shells': { content: '/bin/sh\n/bin/ash\n' },
        '/etc/nsswitch.conf': { content: 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' },
        '/etc/profile': { content: "export PATH=/bin\nexport HOME=${HOME:-/root}\nexport PS1='\\u@\\h:\\w\\$ '\n[ -f /etc/TZ ] && export TZ=$(cat /etc/TZ)\n" },
        '/etc/mdev.conf': { content: MDEV_CONF },
        '/etc/rc.d/rc.shutdown': { content: RC_SHUTDOWN, mode: 0o755 },
      },
    };
  },
});

/** The boot script, rendered from the mounts: mount in path order (parents first). */
export function rcS(mounts: Record<string, { options: string[] }>): string {
  const lines = [
    '#!/bin/sh',
    '# Early boot (busybox init sysinit): mounts, /dev, hostname, hotplug, loopback.',
    'export PATH=/bin',
    'mount -t proc proc /proc',
    "grep -q ' /dev ' /proc/mounts || mount -t devtmpfs devtmpfs /dev",
    'mkdir -p /dev/pts /dev/shm',
  ];
  for (const mp of Object.keys(mounts).sort()) {
    if (mp === '/proc' || mounts[mp]!.options.includes('noauto')) continue;
    lines.push(`grep -q ' ${mp} ' /proc/mounts || mount ${mp}`);
  }
  lines.push(
    'mkdir -p /run/svc /run/log',
    ': > /run/resolv.conf',
    'hostname -F /etc/hostname',
    '[ -e /proc/sys/kernel/hotplug ] && echo /bin/mdev > /proc/sys/kernel/hotplug',
    'mdev -s',
    'ip link set lo up',
  );
  return lines.join('\n') + '\n';
}
