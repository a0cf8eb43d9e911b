/**
 * Devices of one's own: a config describes its board (a built-in base's facts, its own DTS file
 * relative to the config, which may include files next to it); `nixwrt devices` lists the
 * built-in ones. The DTB inside the firmware the CLI builds is read back with dtc (the peer).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSystem } from '../../src/config/evaluate.js';
import { listDevices } from '../../src/image/devices.js';
import { havePeers } from '../helpers/peer.js';
import { slow } from '../helpers/slack.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const nixwrt = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/nixwrt.js'), ...args], { cwd, encoding: 'utf8' });
const work = mkdtempSync(join(tmpdir(), 'nixwrt-own-device-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A project outside the repository whose config names its own board. */
function project(device: string): string {
  const dir = mkdtempSync(join(work, 'p-'));
  mkdirSync(join(dir, 'boards'));
  const board = readFileSync(join(root, 'devices/dts/gl-mt300n-v2.dts'), 'utf8')
    .replace('model = "GL.iNet GL-MT300N-v2";', 'model = "My Board";')
    .replace('#include "mt7628a.dtsi"', '#include "mt7628a.dtsi"\n#include "extra.dtsi"');
  writeFileSync(join(dir, 'boards', 'my-board.dts'), board);
  writeFileSync(join(dir, 'boards', 'extra.dtsi'), '/ { my-board-extra = "from the config folder"; };\n');
  const lock = JSON.parse(readFileSync(join(root, 'fixtures/lock.json'), 'utf8')) as { cache: { url: string } };
  lock.cache.url = join(root, 'fixtures/cache');
  writeFileSync(join(dir, 'lock.json'), JSON.stringify(lock));
  writeFileSync(join(dir, 'c.ts'), `import { defineConfig } from 'nixwrt-ts';\nexport default defineConfig({ device: ${device}, hostname: 'mine', lock: './lock.json' });\n`);
  return dir;
}

describe('devices of one\'s own', () => {
  it('nixwrt devices lists the built-in devices', () => {
    const r = nixwrt(work, 'devices');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(listDevices().map((d) => d.name));
    expect(r.stdout).toMatch(/^qemu-malta\s+QEMU MIPS Malta.*\[emulator\]$/m);
    const json = JSON.parse(nixwrt(work, 'devices', '--json').stdout) as Array<{ name: string }>;
    expect(json.map((d) => d.name)).toEqual(listDevices().map((d) => d.name));
  });

  it('refuses bad device facts naming the config and key', async () => {
    const cases: Array<[string, RegExp]> = [
      [`{ base: 'gl-mt300n-v2', name: 'x', dts: { file: './nope.dts' } }`, /c\.ts: device\.dts\.file: .*nope\.dts does not exist/],
      [`{ base: 'gl-mt300n-v2', name: 'x', loadAddress: -1 }`, /c\.ts: device\.loadAddress: must be a 32-bit address/],
      [`{ base: 'nope', name: 'x' }`, /c\.ts: device\.base: unknown device "nope"/],
      [`{ name: 'x', arch: 'mipsel' }`, /c\.ts: device\.baseCmdline: must be a list of strings/],
      [`{ base: 'gl-mt300n-v2', name: 'x', flash: { address: 0, partitionSize: 100, eraseBlock: 64 } }`, /device\.flash: partitionSize must be a whole number of erase blocks/],
    ];
    for (const [device, msg] of cases) {
      await expect(loadSystem(join(project(device), 'c.ts'), { cacheDir: join(work, 'cache') })).rejects.toMatchObject({ code: 'config-invalid', message: expect.stringMatching(msg) });
    }
  });

  it.skipIf(!havePeers('dtc', 'xz'))('a custom device on a built-in board\'s facts builds, its DTS found relative to the config', () => {
    const dir = project(`{ base: 'gl-mt300n-v2', name: 'my-board', description: 'mine', dts: { file: './boards/my-board.dts' } }`);
    const r = nixwrt(dir, 'build', 'c.ts', '--output', 'firmware', '--json', '--cache-dir', join(work, 'cache'));
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { device: string }).device).toBe('my-board');
    const fw = readFileSync(join(dir, 'out', 'firmware.bin'));
    // uImage: 64-byte header, payload size at 12 (big-endian), LZMA of raw kernel + appended DTB.
    const payload = fw.subarray(64, 64 + fw.readUInt32BE(12));
    const unpacked = execFileSync('xz', ['--format=lzma', '-dc'], { input: payload, maxBuffer: 64 << 20 });
    let at = unpacked.length;
    while ((at = unpacked.lastIndexOf(Buffer.from([0xd0, 0x0d, 0xfe, 0xed]), at - 1)) >= 0 && at + unpacked.readUInt32BE(at + 4) !== unpacked.length);
    expect(at).toBeGreaterThan(0);
    const dts = execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', '-'], { input: unpacked.subarray(at) }).toString();
    expect(dts).toContain('model = "My Board";');
    expect(dts).toContain('my-board-extra = "from the config folder";');
    expect(dts).toMatch(/bootargs = "console=ttyS0,115200 rootfstype=squashfs/);
  }, slow(300_000));
});
