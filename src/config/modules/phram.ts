import { defineModule } from '../modules.js';
import { t } from '../options.js';
import type { PhramOptions } from '../types.js';

/**
 * phram: boot with the rootfs in RAM as an MTD device (NixWRT's phramware). The image stage
 * picks size and address when not given and writes the kernel command line and phram.vars.
 */
export const phram = defineModule<PhramOptions, Record<never, never>>({
  name: 'phram',
  description: 'rootfs in RAM via the phram MTD driver',
  options: {
    sizeMiB: t.int({ min: 1, max: 1024 }),
    address: t.string({ pattern: /^0x[0-9a-fA-F]+$/, what: 'a hex address such as 0x2000000' }),
  },
  defaults: {},
  contribute(o) {
    const vars: Record<string, string> = {};
    if (o.sizeMiB !== undefined) vars.PHRAM_SIZE_MIB = String(o.sizeMiB);
    if (o.address !== undefined) vars.PHRAM_ADDRESS = o.address;
    return {
      phram: { ...(o.sizeMiB !== undefined ? { sizeMiB: o.sizeMiB } : {}), ...(o.address !== undefined ? { address: o.address } : {}), vars },
      requirements: ['phram'],
    };
  },
});
