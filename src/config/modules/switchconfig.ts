import { defineModule } from '../modules.js';
import { t } from '../options.js';
import type { SwitchconfigOptions } from '../types.js';

/** switchconfig: VLANs on the built-in switch with swconfig, once at boot. */
export const switchconfig = defineModule<SwitchconfigOptions, { name: string; package: string }>({
  name: 'switchconfig',
  description: 'ethernet switch VLANs (swconfig)',
  options: {
    name: t.string({ pattern: /^[A-Za-z0-9_-]+$/, what: 'a switch name such as switch0' }),
    package: t.string({ nonEmpty: true }),
    vlans: t.record(t.string({ pattern: /^[0-9]+t?( [0-9]+t?)*$/, what: "ports such as '0 1 2 6t'" }), {
      key: /^[0-9]{1,4}$/,
      keyWhat: 'a VLAN id',
      nonEmpty: true,
    }),
  },
  required: ['vlans'],
  defaults: { name: 'switch0', package: 'swconfig' },
  contribute(o, ctx) {
    const sw = `${ctx.pkg(o.package)}/bin/swconfig dev ${o.name}`;
    const ids = Object.keys(o.vlans).sort((a, b) => Number(a) - Number(b));
    const script = [
      `${sw} set reset 1`,
      `${sw} set enable_vlan 1`,
      ...ids.map((id) => `${sw} vlan ${id} set ports '${o.vlans[id]}'`),
      `${sw} set apply 1`,
    ];
    return {
      files: { '/etc/switch.sh': { content: '#!/bin/sh\nset -e\n' + script.join('\n') + '\n', mode: 0o755 } },
      services: { switchconfig: { run: '/etc/switch.sh', restart: false } },
      requirements: ['switch'],
    };
  },
});
