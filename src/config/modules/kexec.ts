import { defineModule } from '../modules.js';
import { t } from '../options.js';
import type { KexecOptions } from '../types.js';

/** kexec: kexec-tools on the PATH, to boot a new kernel without the bootloader. */
export const kexec = defineModule<KexecOptions, { package: string }>({
  name: 'kexec',
  description: 'kexec-tools',
  options: { package: t.string({ nonEmpty: true }) },
  defaults: { package: 'kexec-tools' },
  contribute(o, ctx) {
    const store = ctx.pkg(o.package);
    return { symlinks: { '/bin/kexec': `${store}/bin/kexec` }, requirements: ['kexec'] };
  },
});
