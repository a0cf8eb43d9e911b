// rsync backup server: a USB disk mounted at /srv, exported read-write as rsync module
// "backup" to the user "backup" (password from NIXWRT_RSYNC_PASSWORD, demo default).
import { defineConfig } from 'nixwrt-ts';

export default defineConfig({
  device: 'gl-mt300a',
  hostname: 'arhcive',
  lock: '../fixtures/lock.json',
  modules: [
    { name: 'syslog', options: { local: true } },
    { name: 'dhcpClient', options: { interface: 'eth0' } },
    { name: 'usbdisk', options: { device: '/dev/sda1', mountpoint: '/srv', fstype: 'ext4', options: ['noatime'] } },
    {
      name: 'rsyncd',
      options: {
        modules: { backup: { path: '/srv/backup', readOnly: false, comment: 'nightly backups', authUsers: ['backup'] } },
        secrets: { backup: process.env.NIXWRT_RSYNC_PASSWORD || 'demo-rsync-password' },
      },
    },
  ],
  outputs: { wanted: ['firmware', 'manifest'] },
});
