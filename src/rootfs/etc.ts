/**
 * /etc generators: pure functions from the evaluated users, groups, mounts and hosts to the
 * bytes of the classic files. Sorted, so the same system gives the same bytes.
 */
import type { SystemGroup, SystemMount, SystemUser } from '../config/types.js';

const byId = <T extends { id: number; name: string }>(a: T, b: T) => a.id - b.id || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function passwdFile(users: Record<string, SystemUser>): string {
  return Object.entries(users)
    .map(([name, u]) => ({ name, id: u.uid, u }))
    .sort(byId)
    .map(({ name, u }) => `${name}:x:${u.uid}:${u.gid}:${u.gecos}:${u.home}:${u.shell}\n`)
    .join('');
}

/** Empty "last change" field: 0 would force a password change at the first login. */
export function shadowFile(users: Record<string, SystemUser>): string {
  return Object.entries(users)
    .map(([name, u]) => ({ name, id: u.uid, u }))
    .sort(byId)
    .map(({ name, u }) => `${name}:${u.passwordHash}::0:99999:7:::\n`)
    .join('');
}

export function groupFile(groups: Record<string, SystemGroup>): string {
  return Object.entries(groups)
    .map(([name, g]) => ({ name, id: g.gid, g }))
    .sort(byId)
    .map(({ name, g }) => `${name}:x:${g.gid}:${g.members.join(',')}\n`)
    .join('');
}

export function fstabFile(mounts: Record<string, SystemMount>): string {
  const lines = Object.keys(mounts)
    .sort()
    .map((mp) => {
      const m = mounts[mp]!;
      return `${m.device}\t${mp}\t${m.fstype}\t${m.options.length ? m.options.join(',') : 'defaults'}\t0\t0\n`;
    });
  return '# device\tmountpoint\ttype\toptions\tdump\tpass\n' + lines.join('');
}

export function hostsFile(hostname: string, extra: Record<string, string>): string {
  const lines = [`127.0.0.1\tlocalhost ${hostname}\n`, `::1\tlocalhost ip6-localhost\n`];
  for (const name of Object.keys(extra).sort()) lines.push(`${extra[name]}\t${name}\n`);
  return lines.join('');
}

/**
 * busybox init's table. `::askfirst:-/bin/sh` on the console as NixWRT has it; services are
 * started by init through the supervisor wrapper (respawn restarts what dies, once = oneshot).
 */
export function inittabFile(consoleTty: string, services: { name: string; restart: boolean }[]): string {
  const tty = consoleTty === 'console' ? '' : consoleTty;
  const lines = [
    '::sysinit:/etc/rc.d/rcS',
    ...services.map((s) => `::${s.restart ? 'respawn' : 'once'}:/etc/svc/supervise ${s.name}`),
    `${tty}::askfirst:-/bin/sh`,
    '::ctrlaltdel:/bin/reboot',
    '::shutdown:/etc/rc.d/rc.shutdown',
    '::restart:/bin/init',
  ];
  return lines.join('\n') + '\n';
}
