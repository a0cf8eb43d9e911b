import { OptionError } from '../errors.js';
import { defineModule } from '../modules.js';
import { absPath, lineText, port, t } from '../options.js';
import type { RsyncdOptions } from '../types.js';

const userName = t.string({ pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, what: 'a user name' });

/** rsyncd: rsync --daemon in the foreground with one [section] per module. */
export const rsyncd = defineModule<RsyncdOptions, { package: string; port: number }>({
  name: 'rsyncd',
  description: 'rsync daemon',
  options: {
    package: t.string({ nonEmpty: true }),
    port,
    modules: t.record(
      t.object<RsyncdOptions['modules'][string]>(
        { path: absPath, readOnly: t.bool(), comment: lineText('a one-line comment'), authUsers: t.list(userName) },
        ['path'],
      ),
      { key: /^[A-Za-z0-9_-]+$/, keyWhat: 'a module name of A-Za-z0-9_-', nonEmpty: true },
    ),
    secrets: t.record(t.string({ pattern: /^[^\n:]+$/, what: 'a password without newline or ":"' }), { key: /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, keyWhat: 'a user name' }),
  },
  required: ['modules'],
  defaults: { package: 'rsync', port: 873 },
  contribute(o, ctx) {
    const hasSecrets = o.secrets !== undefined && Object.keys(o.secrets).length > 0;
    const conf = ['uid = root', 'gid = root', 'use chroot = no', `port = ${o.port}`, 'pid file = /run/rsyncd.pid', ''];
    for (const name of Object.keys(o.modules).sort()) {
      const m = o.modules[name]!;
      conf.push(`[${name}]`, `\tpath = ${m.path}`, `\tread only = ${m.readOnly === false ? 'no' : 'yes'}`);
      if (m.comment) conf.push(`\tcomment = ${m.comment}`);
      if (m.authUsers?.length) {
        conf.push(`\tauth users = ${m.authUsers.join(', ')}`, '\tsecrets file = /etc/rsyncd.secrets');
        for (const u of m.authUsers) if (!hasSecrets || !Object.hasOwn(o.secrets!, u)) throw new OptionError('bad-option', 'rsyncd', `modules.${name}.authUsers`, `user '${u}' has no entry in secrets`);
      }
      conf.push('');
    }
    const files: Record<string, { content: string; mode?: number }> = { '/etc/rsyncd.conf': { content: conf.join('\n') } };
    if (hasSecrets) {
      const s = o.secrets!;
      files['/etc/rsyncd.secrets'] = { content: Object.keys(s).sort().map((u) => `${u}:${s[u]}\n`).join(''), mode: 0o600 };
    }
    return {
      files,
      services: {
        rsyncd: {
          run: `${ctx.pkg(o.package)}/bin/rsync --daemon --no-detach --config=/etc/rsyncd.conf`,
          dependsOn: ctx.uses('usbdisk') ? ['usbdisk'] : [],
        },
      },
    };
  },
});
