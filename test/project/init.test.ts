/**
 * `nixwrt init`: a project made outside the repository builds at once with the CLI, offline,
 * from the demo cache; unsquashfs (the peer) reads the rootfs it made.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSystem } from '../../src/config/evaluate.js';
import { havePeers } from '../helpers/peer.js';
import { slow } from '../helpers/slack.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const nixwrt = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/nixwrt.js'), ...args], { cwd, encoding: 'utf8' });
const work = mkdtempSync(join(tmpdir(), 'nixwrt-init-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('nixwrt init', () => {
  it('makes a project outside any package that the CLI builds at once', () => {
    const dir = join(work, 'my-router');
    const r = nixwrt(work, 'init', 'my-router');
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['.gitignore', 'README.md', 'nixwrt.config.ts', 'nixwrt.lock.json', 'package.json']);
    const config = readFileSync(join(dir, 'nixwrt.config.ts'), 'utf8');
    expect(config).toContain("from 'nixwrt-ts'");
    expect(config).toMatch(/nixwrt lock add/);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toMatchObject({ private: true, type: 'module' });

    const b = nixwrt(dir, 'build', 'nixwrt.config.ts', '--json', '--cache-dir', join(work, 'cache'));
    expect(b.status, b.stderr).toBe(0);
    const files = (JSON.parse(b.stdout) as { files: Array<{ file: string }> }).files.map((f) => f.file);
    expect(files).toEqual(['emulator/vmlinux', 'emulator/rootfs.squashfs', 'emulator/run.json']);
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8')) as { device: string; hostname: string };
    expect(manifest).toMatchObject({ device: 'qemu-malta', hostname: 'my-router' });
    if (havePeers('unsquashfs')) {
      const ls = spawnSync('unsquashfs', ['-cat', join(dir, 'out', 'emulator', 'rootfs.squashfs'), 'etc/hostname'], { encoding: 'utf8' });
      expect(ls.stdout).toBe('my-router\n');
    }
  }, slow(300_000));

  it('--device gives a flash device project that evaluates; a non-empty directory is refused and left alone', async () => {
    const r = nixwrt(work, 'init', 'travel', '--device', 'gl-mt300n-v2');
    expect(r.status, r.stderr).toBe(0);
    const s = await loadSystem(join(work, 'travel', 'nixwrt.config.ts'), { cacheDir: join(work, 'cache') });
    expect(s.device).toBe('gl-mt300n-v2');
    expect(s.outputs.wanted).toEqual(['firmware', 'manifest']);

    mkdirSync(join(work, 'busy'));
    writeFileSync(join(work, 'busy', 'keep.txt'), 'mine');
    const again = nixwrt(work, 'init', 'busy');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/busy is not empty.*\[target-not-empty\]/);
    expect(readdirSync(join(work, 'busy'))).toEqual(['keep.txt']);
    expect(readdirSync(work).filter((f) => f.includes('.init-'))).toEqual([]);
    expect(nixwrt(work, 'init', 'x', '--device', 'nope').stderr).toMatch(/unknown device "nope".*\[unknown-device\]/);
    expect(existsSync(join(work, 'x'))).toBe(false);
  }, slow(120_000));
});
