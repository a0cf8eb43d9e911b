/**
 * "Build on a Nix machine, assemble anywhere", with real Nix: nix-build packages a busybox and a
 * Malta kernel as derivations of their own, `nix store sign` + `nix copy` make a new binary
 * cache, `nixwrt lock new/import/add/list/check` lock it, and `nixwrt build` makes an emulator
 * image from that cache alone (the fixture cache only supplies the two input files).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLock } from '../../src/config/load.js';
import { fetchClosure } from '../../src/nix/closure.js';
import { outPathFor } from '../../src/nix/restore.js';
import { havePeers } from '../helpers/peer.js';
import { slow } from '../helpers/slack.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'nixwrt-own-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, NIX_CONFIG: 'experimental-features = nix-command\nbuild-users-group =\nsandbox = false\nsubstituters =' };
const nix = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
const nixwrt = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/nixwrt.js'), ...args], { cwd, encoding: 'utf8' });

describe.skipIf(!havePeers('nix-build', 'nix', 'unsquashfs'))('a binary cache of one\'s own, made with real Nix', () => {
  it('is locked with nixwrt lock and builds an image', async () => {
    // The inputs: a static mipsel busybox and a Malta vmlinux, as files on the Nix machine.
    const fixture = await loadLock(join(root, 'fixtures/lock.json'));
    const inputs = join(work, 'inputs');
    await fetchClosure([fixture.packages.busybox!, fixture.packages['kernel-malta']!], {
      substituters: [fixture.cacheUrl], trustedPublicKeys: [fixture.publicKey], cacheDir: join(work, 'fetch-cache'), outDir: inputs,
    });
    const busybox = join(outPathFor(inputs, fixture.packages.busybox!), 'bin', 'busybox');
    const vmlinux = join(outPathFor(inputs, fixture.packages['kernel-malta']!), 'vmlinux');

    // Derivations of our own (the same store paths each run: Nix's store does not grow).
    const drv = (name: string, script: string) =>
      `  ${name.split('-')[0]} = derivation { name = "${name}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" ${JSON.stringify(script)} ]; };`;
    writeFileSync(join(work, 'pkgs.nix'), [
      '{',
      drv('busybox-1.35.0', `/bin/mkdir -p $out/bin && /bin/cp \${${busybox}} $out/bin/busybox && /bin/chmod 555 $out/bin/busybox`),
      drv('kernel-malta-6.1.192', `/bin/mkdir -p $out && /bin/cp \${${vmlinux}} $out/vmlinux`),
      drv('unsigned-1.0', `/bin/mkdir -p $out && echo never signed > $out/README`),
      '}',
    ].join('\n'));
    const [bb, kernel, unsigned] = nix('nix-build', '--no-out-link', join(work, 'pkgs.nix'), '-A', 'busybox', '-A', 'kernel', '-A', 'unsigned').trim().split('\n');

    // A new key, a new cache: everything signed but `unsigned`.
    const secret = join(work, 'secret');
    writeFileSync(secret, nix('nix', 'key', 'generate-secret', '--key-name', 'my-cache-1'));
    const publicKey = execFileSync('nix', ['key', 'convert-secret-to-public'], { env, input: readFileSync(secret) }).toString().trim();
    nix('nix', 'store', 'sign', '-k', secret, '-r', bb!, kernel!);
    const cache = join(work, 'cache');
    nix('nix', 'copy', '--to', `file://${cache}?compression=zstd`, bb!, kernel!, unsigned!);
    writeFileSync(join(work, 'path-info.json'), nix('nix', 'path-info', '--json', '--recursive', bb!, kernel!));

    // Lock it, on a machine that needs no Nix from here on.
    const proj = join(work, 'proj');
    mkdirSync(proj);
    const ok = (r: ReturnType<typeof nixwrt>) => {
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    ok(nixwrt(proj, 'lock', 'new', '--cache', '../cache', '--public-key', publicKey));
    expect(ok(nixwrt(proj, 'lock', 'import', join(work, 'path-info.json')))).toMatch(/added busybox, kernel-malta/);
    const refused = nixwrt(proj, 'lock', 'add', `extra=${unsigned}`);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/not signed by my-cache-1 \(signed by nobody\).*\[untrusted\]/);
    expect(nixwrt(proj, 'lock', 'add', 'extra=/nix/store/not-a-path').stderr).toMatch(/is not a store path.*\[not-a-store-path\]/);
    expect(ok(nixwrt(proj, 'lock', 'add', `sh=${bb}`))).toMatch(/added sh/);
    const listed = ok(nixwrt(proj, 'lock', 'list'));
    expect(listed).toContain(`cache file://${cache} (key my-cache-1)`);
    expect(listed).toMatch(new RegExp(`kernel-malta\\s+${kernel}`));
    expect(ok(nixwrt(proj, 'lock', 'check', '--cache-dir', join(work, 'check-cache')))).toMatch(/ok: 3 packages, 2 store paths/);
    expect(JSON.parse(readFileSync(join(proj, 'nixwrt.lock.json'), 'utf8'))).toEqual({
      version: 1, cache: { url: '../cache', publicKey }, packages: { busybox: bb, 'kernel-malta': kernel, sh: bb },
    });

    writeFileSync(join(proj, 'c.ts'), `import { defineConfig } from 'nixwrt-ts';\nexport default defineConfig({ device: 'qemu-malta', hostname: 'own', lock: './nixwrt.lock.json', outputs: { wanted: ['emulator'] } });\n`);
    const built = JSON.parse(ok(nixwrt(proj, 'build', 'c.ts', '--json', '--cache-dir', join(work, 'build-cache')))) as { files: Array<{ file: string }> };
    expect(built.files.map((f) => f.file)).toEqual(['emulator/vmlinux', 'emulator/rootfs.squashfs', 'emulator/run.json']);
    expect(readFileSync(join(proj, 'out/emulator/vmlinux')).equals(readFileSync(vmlinux))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(proj, 'out/manifest.json'), 'utf8')) as { kernel: { storePath: string }; storePaths: string[] };
    expect(manifest.kernel.storePath).toBe(kernel);
    expect(manifest.storePaths).toEqual([bb]);
    const ls = execFileSync('unsquashfs', ['-lc', join(proj, 'out/emulator/rootfs.squashfs')]).toString();
    expect(ls).toContain(`squashfs-root${bb}/bin/busybox`);
  }, slow(600_000));
});
