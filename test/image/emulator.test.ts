import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { qemuArgs, readRunManifest, type RunManifest } from '../../src/image/emulator.js';

const m: RunManifest = {
  version: 1,
  device: 'qemu-malta',
  qemu: 'qemu-system-mipsel',
  machine: 'malta',
  memoryMiB: 128,
  kernel: 'vmlinux',
  rootfs: 'rootfs.squashfs',
  append: 'console=ttyS0 root=/dev/sda',
  nic: 'virtio-net-pci',
};

describe('emulator run manifest', () => {
  it('builds the QEMU command of the verified recipe, with ssh forwarded', () => {
    expect(qemuArgs('/e', m, { sshPort: 2222 })).toEqual([
      '-M', 'malta', '-m', '128', '-nographic', '-vga', 'none', '-no-reboot',
      '-kernel', '/e/vmlinux',
      '-drive', 'file=/e/rootfs.squashfs,if=ide,format=raw,snapshot=on',
      '-append', 'console=ttyS0 root=/dev/sda',
      '-netdev', 'user,id=n0,hostfwd=tcp:127.0.0.1:2222-:22',
      '-device', 'virtio-net-pci,netdev=n0,romfile=',
    ]);
  });

  it('adds NICs on more netdevs after the user-mode one, and refuses a spec that names an id', () => {
    const args = qemuArgs('/e', m, { nets: ['socket,udp=127.0.0.1:4001,localaddr=127.0.0.1:4000', 'tap,ifname=tap0,script=no,downscript=no'] });
    // The user-mode NIC stays first (eth0); the others follow in order (eth1, eth2).
    expect(args.slice(-12)).toEqual([
      '-netdev', 'user,id=n0',
      '-device', 'virtio-net-pci,netdev=n0,romfile=',
      '-netdev', 'socket,udp=127.0.0.1:4001,localaddr=127.0.0.1:4000,id=n1',
      '-device', 'virtio-net-pci,netdev=n1,romfile=',
      '-netdev', 'tap,ifname=tap0,script=no,downscript=no,id=n2',
      '-device', 'virtio-net-pci,netdev=n2,romfile=',
    ]);
    expect(() => qemuArgs('/e', m, { nets: ['socket,id=x,udp=127.0.0.1:1'] })).toThrow(expect.objectContaining({ code: 'bad-net-spec' }));
    expect(() => qemuArgs('/e', m, { nets: ['user -kernel /x'] })).toThrow(/expected a QEMU -netdev backend/);
  });

  it('explains a directory that is not an emulator output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-emu-'));
    await expect(readRunManifest(dir)).rejects.toMatchObject({ code: 'bad-emulator-dir' });
    writeFileSync(join(dir, 'run.json'), JSON.stringify(m));
    await expect(readRunManifest(dir)).resolves.toEqual(m);
  });
});
