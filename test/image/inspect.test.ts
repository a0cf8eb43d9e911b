import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findParts, inspectBytes } from '../../src/image/inspect.js';
import { assembleToBuffer, openwrtLayout } from '../../src/image/layout.js';
import { havePeers } from '../helpers/peer.js';

// Parts made by the classic tools, so the scanner is checked against bytes it did not write.
describe.skipIf(!havePeers('mkimage', 'mksquashfs', 'dtc'))('nixwrt inspect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nixwrt-inspect-'));
  const payload = join(dir, 'payload');
  writeFileSync(payload, Buffer.alloc(70_001, 0x5a));
  const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
  execFileSync('mkimage', ['-A', 'mips', '-O', 'linux', '-T', 'kernel', '-C', 'none', '-a', '0x80000000', '-e', '0x80000000', '-n', 'test kernel', '-d', payload, join(dir, 'uImage')], { env, stdio: 'ignore' });
  mkdirSync(join(dir, 'tree', 'etc'), { recursive: true });
  writeFileSync(join(dir, 'tree', 'etc', 'hostname'), 'router\n');
  execFileSync('mksquashfs', [join(dir, 'tree'), join(dir, 'root.sqfs'), '-comp', 'xz', '-all-root', '-noappend', '-quiet'], { env, stdio: 'ignore' });
  writeFileSync(join(dir, 'b.dts'), '/dts-v1/; / { model = "Test Board"; compatible = "x,y"; chosen { bootargs = "console=ttyS0"; }; };');
  execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', join(dir, 'b.dtb'), join(dir, 'b.dts')]);
  const uimage = readFileSync(join(dir, 'uImage'));
  const sqfs = readFileSync(join(dir, 'root.sqfs'));

  it('finds uImage, squashfs and JFFS2 marker in an OpenWrt-style firmware', () => {
    const layout = openwrtLayout(uimage.length, sqfs.length, { eraseBlock: 65_536, padJffs2: [65_536] });
    const fw = assembleToBuffer(layout, { kernel: uimage, rootfs: sqfs });
    expect(findParts(fw)).toEqual([
      { kind: 'uimage', offset: 0, size: uimage.length },
      { kind: 'squashfs', offset: 131_072, size: sqfs.readUInt32LE(40) },
      { kind: 'jffs2-eof', offset: layout.size - 4, size: 4 },
    ]);
  });

  it('explains each part', async () => {
    const text = await inspectBytes(uimage, 'uImage');
    expect(text).toContain('Image Name:   test kernel');
    expect(text).toContain('Load Address: 80000000');
    const s = await inspectBytes(sqfs, 'root.sqfs');
    expect(s).toMatch(/SquashFS 4\.0, xz/);
    expect(s).toContain('Root:         etc');
    const d = await inspectBytes(readFileSync(join(dir, 'b.dtb')), 'b.dtb');
    expect(d).toContain('Model:        Test Board');
    expect(d).toContain('Bootargs:     console=ttyS0');
  });

  it('says when nothing is recognised', async () => {
    expect(await inspectBytes(Buffer.alloc(64, 1), 'x')).toMatch(/no uImage, FIT, squashfs, DTB or ELF found/);
  });
});
