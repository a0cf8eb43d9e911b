import { defineModule } from '../modules.js';
import { absPath, t } from '../options.js';
import type { UsbdiskOptions } from '../types.js';

/**
 * usbdisk: an fstab entry (noauto) and a oneshot service that waits up to a minute for the
 * disk to appear (USB enumeration is slow), then mounts it. Services using the disk depend on
 * `usbdisk`.
 */
export const usbdisk = defineModule<UsbdiskOptions, { device: string; fstype: string; options: string[] }>({
  name: 'usbdisk',
  description: 'mount a USB disk',
  options: {
    device: t.string({ pattern: /^\/dev\/[A-Za-z0-9/_-]+$|^(UUID|LABEL)=[A-Za-z0-9_-]+$/, what: 'a /dev path, UUID=... or LABEL=...' }),
    mountpoint: absPath,
    fstype: t.string({ pattern: /^[a-z0-9]+$/, what: 'a file system type' }),
    options: t.list(t.string({ pattern: /^[A-Za-z0-9_=.-]+$/, what: 'a mount option' })),
  },
  required: ['mountpoint'],
  defaults: { device: '/dev/sda1', fstype: 'ext4', options: [] },
  contribute(o) {
    const wait = o.device.startsWith('/dev/') ? `[ -b ${o.device} ]` : `findfs ${o.device} >/dev/null 2>&1`;
    const run = [`n=0`, `until ${wait}; do`, `  n=$((n + 1)); [ $n -gt 60 ] && { echo "usbdisk: ${o.device} did not appear" >&2; exit 1; }`, `  sleep 1`, `done`, `mount ${o.mountpoint}`].join('\n');
    return {
      mounts: { [o.mountpoint]: { device: o.device, fstype: o.fstype, options: ['noauto', ...o.options] } },
      directories: { [o.mountpoint]: { mode: 0o755 } },
      services: { usbdisk: { run, restart: false } },
      requirements: ['usb'],
    };
  },
});
