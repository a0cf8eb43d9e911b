import { defineModule } from '../modules.js';
import { port, t } from '../options.js';
import type { SshdOptions } from '../types.js';

const authorizedKey = t.string({
  pattern: /^(?:[a-z0-9-]+(?:="[^"\n]*")?(?:,[a-z0-9-]+(?:="[^"\n]*")?)* )?(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|ssh-dss) [A-Za-z0-9+/]+=*( [^\n]*)?$/,
  what: 'one authorized_keys line (type base64 [comment])',
});
const base64 = t.string({ pattern: /^[A-Za-z0-9+/]+=*$/, what: 'base64 of a dropbear host key file' });

/**
 * sshd: dropbear in the foreground. The host key is either given (written 0600 to
 * /etc/dropbear/host_key) or generated at first start into /run/dropbear (tmpfs, so a new
 * key each boot: give hostKey for a stable one). Root's authorized_keys from the options.
 */
export const sshd = defineModule<SshdOptions, { package: string; port: number; authorizedKeys: string[]; passwordAuth: boolean }>({
  name: 'sshd',
  description: 'dropbear ssh server',
  options: { package: t.string({ nonEmpty: true }), port, authorizedKeys: t.list(authorizedKey), hostKey: base64, passwordAuth: t.bool() },
  defaults: { package: 'dropbear', port: 22, authorizedKeys: [], passwordAuth: false },
  contribute(o, ctx) {
    const store = ctx.pkg(o.package);
    const flags = ['-F', '-E', '-p', String(o.port), '-P', '/run/dropbear/dropbear.pid'];
    if (!o.passwordAuth) flags.push('-s');
    const files: Record<string, { content: string | Uint8Array; mode: number }> = {};
    let run: string;
    if (o.hostKey !== undefined) {
      files['/etc/dropbear/host_key'] = { content: Buffer.from(o.hostKey, 'base64'), mode: 0o600 };
      run = `mkdir -p /run/dropbear\nexec ${store}/bin/dropbear ${flags.join(' ')} -r /etc/dropbear/host_key`;
    } else {
      run = [
        'mkdir -p /run/dropbear',
        `[ -s /run/dropbear/host_key ] || ${store}/bin/dropbearkey -t ed25519 -f /run/dropbear/host_key`,
        `exec ${store}/bin/dropbear ${flags.join(' ')} -r /run/dropbear/host_key`,
      ].join('\n');
    }
    if (o.authorizedKeys.length > 0) files['/root/.ssh/authorized_keys'] = { content: o.authorizedKeys.map((k) => k + '\n').join(''), mode: 0o600 };
    return {
      files,
      directories: { '/root/.ssh': { mode: 0o700 } },
      services: { sshd: { run, dependsOn: ctx.uses('haveged') ? ['haveged'] : [] } },
    };
  },
});
