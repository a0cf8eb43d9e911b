/**
 * What `npm pack` ships: what a user needs and no private key, test, bench or source map; the
 * packed files alone (with the repository's node_modules beside them, so no network is needed)
 * make a project with `nixwrt init` and build it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { slow } from '../helpers/slack.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'nixwrt-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// --ignore-scripts: no `prepare` rebuild (npm test has built dist/ already).
const npm = (...args: string[]) => execFileSync('npm', [...args, '--ignore-scripts', '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
}

describe('npm pack', () => {
  it('lists what a user needs and nothing private or for developers only', () => {
    const [info] = JSON.parse(npm('pack', '--dry-run')) as Array<{ files: Array<{ path: string }>; size: number }>;
    const files = info!.files.map((f) => f.path);
    for (const must of ['bin/nixwrt', 'bin/nixwrt.js', 'dist/cli/main.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'devices/dts/gl-mt300n-v2.dts', 'fixtures/cache/nix-cache-info', 'fixtures/lock.json', 'examples/emu.ts', 'README.md', 'package.json']) {
      expect(files, must).toContain(must);
    }
    const bad = files.filter((f) => /^(test|bench|src|native|scripts)\//.test(f) || /\.map$/.test(f) || /cache\.secret|demo-ssh-key$|^fixtures\/cache-(zstd|none)\//.test(f));
    expect(bad).toEqual([]);
  });

  it('the packed package, unpacked elsewhere, inits and builds a project', () => {
    const [packed] = JSON.parse(npm('pack', '--pack-destination', work)) as Array<{ filename: string }>;
    const tgz = join(work, packed!.filename);
    execFileSync('tar', ['-xzf', tgz, '-C', work]);
    const pkg = join(work, 'package');
    // No private key in any shipped file, whatever its name.
    const secret = readFileSync(join(root, 'fixtures/cache.secret'), 'utf8').trim();
    for (const f of walk(pkg)) {
      if (statSync(f).size > 1 << 20) continue; // NARs and the bundle: no key material is that big a file
      const text = readFileSync(f, 'latin1');
      expect(text.includes('PRIVATE KEY') || text.includes(secret.slice(secret.indexOf(':') + 1)), f).toBe(false);
    }
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
    const nixwrt = (cwd: string, ...args: string[]) => spawnSync(join(pkg, 'bin', 'nixwrt'), args, { cwd, encoding: 'utf8' });
    mkdirSync(join(work, 'home'));
    const init = nixwrt(join(work, 'home'), 'init', 'mine');
    expect(init.status, init.stderr).toBe(0);
    expect(readFileSync(join(work, 'home/mine/nixwrt.lock.json'), 'utf8')).toContain(JSON.stringify(`file://${pkg}/fixtures/cache`));
    const b = nixwrt(join(work, 'home/mine'), 'build', 'nixwrt.config.ts', '--cache-dir', join(work, 'cache'));
    expect(b.status, b.stderr).toBe(0);
    expect(statSync(join(work, 'home/mine/out/emulator/rootfs.squashfs')).size).toBeGreaterThan(1 << 20);
  }, slow(300_000));
});
