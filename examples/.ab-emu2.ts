// QEMU Malta (mipsel): the default demo image, built from the fixture binary cache.
// `nixwrt build examples/emu.ts --output emulator` then `nixwrt run <out>`; ssh in as root
// with examples/demo-ssh-key (a TEST-ONLY key pair committed for the end-to-end test).
import { defineConfig } from '../src/config/types.js';

const demoKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILr486TsF/MXMOcmIlOFgEfbGvJIfZufuqG4MFIVW2wD nixwrt-demo-key-TEST-ONLY';

export default defineConfig({
  device: 'qemu-malta',
  hostname: 'emu2',
  lock: '../fixtures/lock.json',
  modules: [
    { name: 'busybox' },
    { name: 'sshd', options: { authorizedKeys: [demoKey] } },
    // QEMU user networking: the host is 10.0.2.2.
    { name: 'syslog', options: { loghost: '10.0.2.2:514', local: true } },
    { name: 'ntpd', options: { servers: ['pool.ntp.org'] } },
    { name: 'dhcpClient', options: { interface: 'eth0' } },
  ],
  outputs: { wanted: ['emulator', 'manifest'] },
});
