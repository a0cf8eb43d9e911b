import { defineModule } from '../modules.js';
import { t } from '../options.js';
import type { HavegedOptions } from '../types.js';

/** haveged: entropy daemon (routers have little entropy at boot; dropbear key generation waits). */
export const haveged = defineModule<HavegedOptions, { package: string }>({
  name: 'haveged',
  description: 'entropy daemon',
  options: { package: t.string({ nonEmpty: true }) },
  defaults: { package: 'haveged' },
  contribute(o, ctx) {
    return { services: { haveged: { run: `${ctx.pkg(o.package)}/bin/haveged -F -w 1024` } } };
  },
});
