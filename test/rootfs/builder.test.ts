import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import type { NarNode } from '../../src/nix/nar/index.js';
import { buildRootfs, buildTime } from '../../src/rootfs/builder.js';
import { overlayFromDir } from '../../src/rootfs/overlay.js';
import { bytesOf as byteStringBytes } from '../../src/util/byte-string.js';
import { evalModules, sp } from '../config/helpers.js';
import { bytesOf, dump, fakeClosure, lookup } from './helpers.js';

const enc = (s: string) => new TextEncoder().encode(s);
const BUSYBOX: NarNode = { type: 'directory', entries: { bin: { type: 'directory', entries: { busybox: { type: 'regular', executable: true, contents: enc('\x7fELF fake busybox') } } } } };
const DROPBEAR: NarNode = {
  type: 'directory',
  entries: {
    bin: { type: 'directory', entries: { dropbear: { type: 'regular', executable: true, contents: enc('dropbear!') }, dropbearkey: { type: 'regular', executable: true, contents: enc('key') } } },
    lib: { type: 'symlink', target: sp('glibc') + '/lib' },
  },
};
const GLIBC: NarNode = { type: 'directory', entries: { lib: { type: 'directory', entries: { 'libc.so.6': { type: 'regular', contents: enc('libc') } } } } };

async function sshSystem() {
  return evalModules([{ name: 'sshd', options: { authorizedKeys: ['ssh-ed25519 AAAAC3Nz demo'] } }, { name: 'syslog' }]);
}

describe('buildRootfs', () => {
  it('puts the closure under /nix/store as NAR slices, with generated /etc, /bin links and device nodes', async () => {
    const closure = await fakeClosure({ [sp('busybox')]: BUSYBOX, [sp('dropbear')]: DROPBEAR, [sp('glibc')]: GLIBC });
    const root = await buildRootfs(await sshSystem(), closure, { mtime: 1700000000 });
    const bb = lookup(root, `${sp('busybox')}/bin/busybox`);
    expect(bb?.type === 'file' && bb.content.kind).toBe('nar-slice');
    expect(bb?.type === 'file' && bb.content.kind === 'nar-slice' && bb.content.size).toBe(17);
    expect((await bytesOf(bb)).toString('latin1')).toBe('\x7fELF fake busybox');
    expect(bb?.mode).toBe(0o555);
    expect(lookup(root, `${sp('glibc')}/lib/libc.so.6`)?.mode).toBe(0o444);
    expect(lookup(root, sp('dropbear') + '/lib')).toMatchObject({ type: 'symlink', target: sp('glibc') + '/lib' });
    expect(lookup(root, '/nix/store')?.type).toBe('dir');
    expect([...(lookup(root, '/nix/store') as { children: Map<string, unknown> }).children.keys()]).toEqual(
      [sp('busybox'), sp('dropbear'), sp('glibc')].map((p) => p.slice(11)),
    );
    expect(lookup(root, '/bin/sh')).toMatchObject({ type: 'symlink', target: `${sp('busybox')}/bin/busybox` });
    expect((await bytesOf(lookup(root, '/etc/hostname'))).toString()).toBe('testbox\n');
    expect((await bytesOf(lookup(root, '/root/.ssh/authorized_keys'))).toString()).toBe('ssh-ed25519 AAAAC3Nz demo\n');
    expect(lookup(root, '/root/.ssh/authorized_keys')?.mode).toBe(0o600);
    expect(lookup(root, '/root')?.mode).toBe(0o700);
    expect(lookup(root, '/dev/console')).toMatchObject({ type: 'char', major: 5, minor: 1, mode: 0o600 });
    expect(lookup(root, '/etc/svc/sshd/run')?.mode).toBe(0o755);
    const all = dump(root);
    expect(all.every((l) => / 0:0 1700000000/.test(l))).toBe(true);
  });

  it('is deterministic: the same inputs give the same tree, SOURCE_DATE_EPOCH sets the times', async () => {
    const closure = await fakeClosure({ [sp('busybox')]: BUSYBOX, [sp('dropbear')]: DROPBEAR, [sp('glibc')]: GLIBC });
    const a = dump(await buildRootfs(await sshSystem(), closure, { mtime: 5 }));
    const b = dump(await buildRootfs(await sshSystem(), closure, { mtime: 5 }));
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(300);
    expect(buildTime(undefined, { SOURCE_DATE_EPOCH: '1234' })).toBe(1234);
    expect(buildTime(undefined, {})).toBe(0);
    expect(buildTime(7, { SOURCE_DATE_EPOCH: '1234' })).toBe(7);
  });

  it('refuses a closure without a root package, and links into a package that lacks the file', async () => {
    const s = await sshSystem();
    await expect(buildRootfs(s, await fakeClosure({ [sp('busybox')]: BUSYBOX }))).rejects.toMatchObject({ code: 'missing-store-path' });
    const noBin: NarNode = { type: 'directory', entries: { sbin: BUSYBOX } };
    await expect(buildRootfs(s, await fakeClosure({ [sp('busybox')]: noBin, [sp('dropbear')]: DROPBEAR, [sp('glibc')]: GLIBC }))).rejects.toThrow(
      /^\/bin\/\[ -> \/nix\/store\/.*-busybox\/bin\/busybox: target is not in the rootfs/,
    );
  });

  it('lays a directory overlay over the generated files, and a gzipped tarball with a device node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-overlay-'));
    mkdirSync(join(dir, 'etc', 'banner.d'), { recursive: true });
    writeFileSync(join(dir, 'etc', 'hostname'), 'overlaid\n');
    writeFileSync(join(dir, 'etc', 'banner.d', 'motd'), 'hello\n');
    chmodSync(join(dir, 'etc', 'banner.d', 'motd'), 0o640);
    symlinkSync('banner.d/motd', join(dir, 'etc', 'motd'));
    const p = pack();
    p.entry({ name: './', type: 'directory', mode: 0o755 });
    p.entry({ name: './dev/', type: 'directory', mode: 0o755 });
    p.entry({ name: './dev/mtd0', type: 'character-device', mode: 0o600, devmajor: 90, devminor: 0 });
    p.entry({ name: './usr/share/x.txt', type: 'file', mode: 0o600, uid: 1000 }, 'x-bytes');
    p.finalize();
    const chunks: Buffer[] = [];
    for await (const c of p) chunks.push(c);
    const tgz = join(dir, '..', `${dir.split('/').pop()}.tgz`);
    writeFileSync(tgz, gzipSync(Buffer.concat(chunks)));

    const s = await evalModules([], { overlay: [{ dir }, { tarball: tgz }] });
    const root = await buildRootfs(s, await fakeClosure({ [sp('busybox')]: BUSYBOX }), { mtime: 9 });
    expect((await bytesOf(lookup(root, '/etc/hostname'))).toString()).toBe('overlaid\n');
    expect(lookup(root, '/etc/hostname')).toMatchObject({ content: { kind: 'host-file', size: 9 } });
    expect(lookup(root, '/etc/banner.d/motd')).toMatchObject({ mode: 0o640, uid: 0, gid: 0, mtime: 9 });
    expect(lookup(root, '/etc/motd')).toMatchObject({ type: 'symlink', target: 'banner.d/motd' });
    expect(lookup(root, '/dev/mtd0')).toMatchObject({ type: 'char', major: 90, minor: 0, mode: 0o600 });
    expect(lookup(root, '/dev/console')?.type).toBe('char');
    expect((await bytesOf(lookup(root, '/usr/share/x.txt'))).toString()).toBe('x-bytes');
    expect(lookup(root, '/usr/share/x.txt')).toMatchObject({ uid: 0, mode: 0o600 });
    expect(lookup(root, '/etc/passwd')?.type).toBe('file');
  });

  it('reads a directory overlay with names and link targets as bytes (not UTF-8, not lost)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-overlay-'));
    const d = Buffer.from(dir);
    const at = (...parts: Buffer[]) => Buffer.concat([d, ...parts.flatMap((p) => [Buffer.from('/'), p])]);
    writeFileSync(at(Buffer.from([0xfe])), 'fe');
    writeFileSync(at(Buffer.from([0xff])), 'ff');
    symlinkSync(Buffer.from([0x74, 0x80]), at(Buffer.from('link')));
    const entries = await overlayFromDir(dir, 0);
    expect(entries.map((e) => byteStringBytes(e.path).toString('hex'))).toEqual(
      [Buffer.from('/link'), Buffer.from([0x2f, 0xfe]), Buffer.from([0x2f, 0xff])].map((b) => b.toString('hex')),
    );
    const link = entries.find((e) => e.path === '/link')!.node;
    expect(link.type === 'symlink' && byteStringBytes(link.target)).toEqual(Buffer.from([0x74, 0x80]));
    const ff = entries.find((e) => byteStringBytes(e.path).equals(Buffer.from([0x2f, 0xff])))!.node;
    expect((await bytesOf(ff)).toString()).toBe('ff');
  });

  it('refuses an overlay file over a directory and an overlay into /nix/store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-overlay-'));
    writeFileSync(join(dir, 'etc'), 'not a dir');
    const s = await evalModules([], { overlay: { dir } });
    await expect(buildRootfs(s, await fakeClosure({ [sp('busybox')]: BUSYBOX }))).rejects.toThrow(/\/etc is a directory in the rootfs, not a file/);
    const dir2 = mkdtempSync(join(tmpdir(), 'nixwrt-overlay-'));
    mkdirSync(join(dir2, 'nix', 'store'), { recursive: true });
    writeFileSync(join(dir2, 'nix', 'store', 'x'), '');
    const s2 = await evalModules([], { overlay: { dir: dir2 } });
    await expect(buildRootfs(s2, await fakeClosure({ [sp('busybox')]: BUSYBOX }))).rejects.toMatchObject({ code: 'path-conflict' });
  });
});
