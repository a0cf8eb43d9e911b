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

  it('explains a directory that is not an emulator output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-emu-'));
    await expect(readRunManifest(dir)).rejects.toMatchObject({ code: 'bad-emulator-dir' });
    writeFileSync(join(dir, 'run.json'), JSON.stringify(m));
    await expect(readRunManifest(dir)).resolves.toEqual(m);
  });
});
