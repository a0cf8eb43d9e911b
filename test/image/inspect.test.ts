import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findParts, inspect, inspectBytes } from '../../src/image/inspect.js';
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

  const nixwrt = (...args: string[]) => spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'nixwrt.js'), ...args], { encoding: 'utf8' });
  const peerFails = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status !== 0;
  // -T kernel: without it mkimage 2023.01 falls back to a "GP Header" listing and exits 0.
  const mkimageListFails = (f: string) => peerFails('mkimage', ['-T', 'kernel', '-l', f]);

  it('the peers accept the sound images', () => {
    expect(mkimageListFails(join(dir, 'uImage'))).toBe(false);
    expect(peerFails('unsquashfs', ['-l', join(dir, 'root.sqfs')])).toBe(false);
  });

  it('a truncated uImage: header shown, [truncated], exit 1 (mkimage -T kernel -l fails on it too)', async () => {
    const cut = join(dir, 'uImage.cut');
    writeFileSync(cut, uimage.subarray(0, uimage.length - 1000));
    expect(mkimageListFails(cut)).toBe(true);
    const r = nixwrt('inspect', cut);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('Image Name:   test kernel');
    expect(r.stdout).toContain('uimage at 0x0 (0), ' + (uimage.length - 1000) + ' bytes (truncated)');
    expect(r.stderr).toMatch(/uimage at 0x0: its header says \d+ bytes, .*\(1000 missing\) \[truncated\]/);
    const j = await inspect(readFileSync(cut), 'cut');
    expect(j.parts.map((p) => [p.kind, p.problem?.code])).toEqual([['uimage', 'truncated']]);
  });

  it('a uImage with a flipped data byte: [bad-checksum], exit 1 (mkimage -T kernel -l fails on it too)', () => {
    const bad = Buffer.from(uimage);
    bad[1000]! ^= 1;
    const f = join(dir, 'uImage.bad');
    writeFileSync(f, bad);
    expect(mkimageListFails(f)).toBe(true);
    const r = nixwrt('inspect', f);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/data CRC .*\[bad-checksum\]/);
  });

  it('a truncated squashfs inside a firmware: [truncated], exit 1 (unsquashfs fails on it too)', () => {
    const cut = join(dir, 'root.cut');
    // Short of bytes_used (the image is padded to 4 KiB after it).
    writeFileSync(cut, sqfs.subarray(0, sqfs.readUInt32LE(40) - 100));
    expect(peerFails('unsquashfs', ['-l', cut])).toBe(true);
    const fw = join(dir, 'fw.cut');
    const layout = openwrtLayout(uimage.length, sqfs.length, { eraseBlock: 65_536, padJffs2: [] });
    writeFileSync(fw, assembleToBuffer(layout, { kernel: uimage, rootfs: sqfs }).subarray(0, 131_072 + sqfs.readUInt32LE(40) - 100));
    for (const f of [cut, fw]) {
      const r = nixwrt('inspect', f, '--json');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/squashfs at 0x[0-9a-f]+: .*\[truncated\]/);
      const j = JSON.parse(r.stdout) as { parts: Array<{ kind: string; problem?: { code: string } }> };
      expect(j.parts.at(-1)).toMatchObject({ kind: 'squashfs', problem: { code: 'truncated' } });
    }
  });

  it('a sound file exits 0 (--json too); unidentified input, a missing file or a directory exit 1 with a code', () => {
    const ok = nixwrt('inspect', join(dir, 'uImage'), '--json');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ size: uimage.length, parts: [{ kind: 'uimage', offset: 0, size: uimage.length }] });
    writeFileSync(join(dir, 'noise'), Buffer.alloc(4096, 0x11));
    const unknown = nixwrt('inspect', join(dir, 'noise'));
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no uImage, FIT, squashfs, DTB or ELF found .*\[unknown-format\]/);
    expect(nixwrt('inspect', join(dir, 'absent')).stderr).toMatch(/absent: no such file \(the file to inspect\) \[no-such-file\]/);
    const d = nixwrt('inspect', dir);
    expect(d.status).toBe(1);
    expect(d.stderr).toMatch(/is a directory.*\[is-a-directory\]/);
  });
});
