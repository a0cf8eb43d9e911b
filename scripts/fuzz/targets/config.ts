/**
 * A JSON config: loadSystem reads it, checks the shape, merges and validates every module's
 * options and renders the system (against the fixture lock, parsed once).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLock, loadSystem } from '../../../src/config/index.js';
import { utf8, type FuzzTarget } from '../target.js';
import { FIXTURES } from './paths.js';

const dir = mkdtempSync(join(tmpdir(), 'nixwrt-fuzz-config-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const lock = loadLock(join(FIXTURES, 'lock.json'));

const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILr486TsF/MXMOcmIlOFgEfbGvJIfZufuqG4MFIVW2wD fuzz';
const base = { device: 'qemu-malta', hostname: 'emu', lock: 'lock.json' };

const target: FuzzTarget = {
  json: true,
  dictionary: [
    '"modules":', '"options":', '"name":', '"device":', '"hostname":', '"packages":', '"overlay":', '"outputs":', '"kernelCmdline":',
    '"kernelPackage":', '{"name":"sshd","options":{}},', '{"name":"pppoe"},', '"__proto__":', '"constructor":', 'null', 'true', '[]', '{}',
    '1e309', '-0', '"override"', '{"dir":"x"}', '{"tarball":"x"}', ',',
  ],
  seeds() {
    const configs = [
      { ...base, modules: [{ name: 'busybox' }] },
      {
        ...base,
        packages: ['rsync'],
        kernelCmdline: ['console=ttyS0'],
        modules: [
          { name: 'busybox' },
          { name: 'sshd', options: { authorizedKeys: [key] } },
          { name: 'syslog', options: { loghost: '10.0.2.2:514', local: true } },
          { name: 'ntpd', options: { servers: ['pool.ntp.org'] } },
          { name: 'dhcpClient', options: { interface: 'eth0' } },
        ],
        outputs: { wanted: ['emulator', 'manifest'] },
      },
      { ...base, device: 'gl-mt300n-v2', hostname: 'ap', modules: [
          { name: 'busybox' },
          { name: 'hostapd', options: { ssid: 'fuzz net', psk: 'correct horse', channel: 11, countryCode: 'DE' } },
          { name: 'dhcpServer', options: { interface: 'br0', start: '10.0.0.10', end: '10.0.0.99', router: '10.0.0.1', leaseSeconds: 600 } },
        ],
      },
    ];
    return configs.map((c) => utf8(JSON.stringify(c, null, 1)));
  },
  async run(bytes) {
    const p = join(dir, 'config.json');
    writeFileSync(p, bytes);
    await loadSystem(p, { lock: await lock });
  },
};
export default target;
