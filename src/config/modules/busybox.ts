import { defineModule } from '../modules.js';
import { t } from '../options.js';
import type { BusyboxOptions } from '../types.js';
import { DEBIAN_BUSYBOX_STATIC_APPLETS } from './busybox-applets.js';

const applet = t.string({ pattern: /^[A-Za-z0-9_.[\-]+$/, what: 'an applet name' });

/** The applets a busybox module setting links (also used by other modules to pick tools). */
export function appletsOf(o: BusyboxOptions): string[] {
  return [...new Set([...(o.applets ?? DEBIAN_BUSYBOX_STATIC_APPLETS), ...(o.extraApplets ?? [])])].sort();
}

/**
 * busybox: one symlink per applet in /bin pointing at the busybox binary in the store, and
 * /sbin, /usr/bin, /usr/sbin as links to /bin so scripts find tools at the usual paths.
 * The default applet list is Debian busybox-static's (see gen-busybox-applets.mjs).
 */
export const busybox = defineModule<BusyboxOptions, { package: string }>({
  name: 'busybox',
  description: 'busybox and its applet links',
  options: { package: t.string({ nonEmpty: true }), applets: t.list(applet), extraApplets: t.list(applet) },
  defaults: { package: 'busybox' },
  contribute(o, ctx) {
    const bin = `${ctx.pkg(o.package)}/bin/busybox`;
    const symlinks: Record<string, string> = { '/sbin': 'bin', '/usr/bin': '../bin', '/usr/sbin': '../bin' };
    for (const a of appletsOf(o)) symlinks[`/bin/${a}`] = bin;
    return { symlinks, directories: { '/usr': { mode: 0o755 } } };
  },
});
