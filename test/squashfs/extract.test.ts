/**
 * `nixwrt unsquashfs -d` against unsquashfs 4.5: the same tree (names as bytes, modes, owners of
 * links too, times, xattrs, hard links, devices, fifos, sockets, holes), read back by Python's
 * os module; and hostile images refused with a typed error, nothing written outside -d.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePeers } from '../helpers/peer.js';
import { packageRoot } from '../../src/util/package-root.js';
import type { DirNode, TreeNode } from '../../src/rootfs/tree.js';
import { extractSquashfs, openSquashfs, SquashfsError, writeSquashfsToBuffer } from '../../src/squashfs/index.js';
import { hostileImage, type HostileKind } from './hostile.js';
import { slow } from '../helpers/slack.js';

const isRoot = process.getuid?.() === 0;
const T = 1_600_000_000;
const cli = join(packageRoot(), 'bin', 'nixwrt.js');
const nixwrt = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

/**
 * The source tree, made by Python (bytes names, lchown, mknod, a bound socket, a file with
 * holes): every kind of entry unsquashfs restores.
 */
const MAKE = `import os, sys, socket, stat
s = os.fsencode(sys.argv[1]); T = int(sys.argv[2]); root = os.getuid() == 0
j = lambda *p: os.path.join(s, *p)
os.mkdir(j(b'dir'))
for n in [b'\\xfe', b'\\xff', b'caf\\xc3\\xa9', b'n' * 251, b'm' * 255]:
    open(j(n), 'wb').write(n[:8] + b'\\n')
open(j(b'dir', b'suid'), 'wb').write(b'#!/bin/sh\\n'); os.chmod(j(b'dir', b'suid'), 0o4755)
open(j(b'dir', b'ro'), 'wb').write(b'ro\\n'); os.chmod(j(b'dir', b'ro'), 0o400)
os.symlink(b'\\xfe', j(b'link-\\xfe'))
os.symlink(b'/abs/target', j(b'abs-link'))
os.link(j(b'\\xfe'), j(b'dir', b'hard'))
os.mkfifo(j(b'fifo'), 0o640)
k = socket.socket(socket.AF_UNIX); k.bind(j(b'sock')); k.close(); os.chmod(j(b'sock'), 0o751)
with open(j(b'sparse'), 'wb') as f:
    f.seek(3 << 20); f.write(b'data'); f.truncate(5 << 20)
open(j(b'zeros'), 'wb').write(bytes(1 << 20) + b'x')
os.setxattr(j(b'\\xff'), 'user.x', b'1'); os.setxattr(j(b'dir'), 'user.d', b'2'); os.setxattr(j(b'sparse'), 'user.s', b'3')
if root:
    os.mknod(j(b'null'), 0o620 | stat.S_IFCHR, os.makedev(1, 3))
    os.mknod(j(b'blk'), 0o640 | stat.S_IFBLK, os.makedev(259, 300000))
    os.chown(j(b'dir'), 7, 8); os.chown(j(b'\\xff'), 1234, 5678); os.chown(j(b'fifo'), 3, 4)
    os.lchown(j(b'abs-link'), 1000, 1001); os.lchown(j(b'link-\\xfe'), 0, 1002)
    os.chown(j(b'dir', b'suid'), 5, 6); os.chmod(j(b'dir', b'suid'), 0o4755)
i = 0
for dp, dns, fns in os.walk(s, topdown=False):
    for n in dns + fns + [None]:
        p = os.path.join(dp, n) if n is not None else dp
        i += 1; os.utime(p, (T + i, T + i), follow_symlinks=False)
`;

/** Every entry under a directory as Python's os module sees it: path (hex of its bytes) → facts. */
const MANIFEST = `import os, sys, json, stat, hashlib
r = os.fsencode(sys.argv[1]); out = {}; inodes = {}
for dp, dns, fns in os.walk(r):
    for n in [None] + dns + fns:
        p = os.path.join(dp, n) if n is not None else dp
        rel = os.path.relpath(p, r); st = os.lstat(p); m = st.st_mode
        e = {'type': stat.S_IFMT(m), 'mode': oct(stat.S_IMODE(m)), 'owner': [st.st_uid, st.st_gid], 'mtime': int(st.st_mtime)}
        if stat.S_ISREG(m):
            e['size'] = st.st_size; e['sha'] = hashlib.sha256(open(p, 'rb').read()).hexdigest()[:16]; e['blocks'] = st.st_blocks
        if stat.S_ISLNK(m): e['target'] = os.readlink(p).hex()
        if stat.S_ISCHR(m) or stat.S_ISBLK(m): e['rdev'] = [os.major(st.st_rdev), os.minor(st.st_rdev)]
        try: e['xattrs'] = {k: os.getxattr(p, k, follow_symlinks=False).hex() for k in sorted(os.listxattr(p, follow_symlinks=False))}
        except OSError: e['xattrs'] = {}
        if not stat.S_ISDIR(m): inodes.setdefault(st.st_ino, []).append(rel.hex())
        out[rel.hex()] = e
out['links'] = sorted(sorted(v) for v in inodes.values() if len(v) > 1)
print(json.dumps(out))`;

type Entry = { type: number; mode: string; owner: [number, number]; mtime: number; size?: number; sha?: string; blocks?: number; target?: string; rdev?: number[]; xattrs: Record<string, string> };
type Manifest = Record<string, Entry> & { links?: string[][] };

const manifest = (dir: string): Manifest => JSON.parse(execFileSync('python3', ['-c', MANIFEST, dir], { encoding: 'utf8', maxBuffer: 64 << 20 })) as Manifest;
const key = (path: string | Buffer) => Buffer.from(path).toString('hex');
const S_IFSOCK = 0o140000;
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

/** Root with setpriv, and a checkout the user nobody can read (not one under a 0700 home). */
function nobodyCanRun(): boolean {
  if (!isRoot || !havePeers('setpriv')) return false;
  const ok = spawnSync('setpriv', [...NOBODY, process.execPath, cli, '--version']).status === 0;
  if (!ok) process.stderr.write('[skip] the user nobody cannot run bin/nixwrt.js from this checkout\n');
  return ok;
}

describe.skipIf(!havePeers('mksquashfs', 'unsquashfs', 'python3'))('nixwrt unsquashfs gives the tree unsquashfs 4.5 gives', () => {
  let work: string;
  let img: string;
  let peer: Manifest;
  let ours: Manifest;
  let source: Manifest;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sqfs-extract-'));
    const src = join(work, 'src');
    mkdirSync(src);
    execFileSync('python3', ['-c', MAKE, src, String(T)]);
    img = join(work, 'img');
    execFileSync('mksquashfs', [src, img, '-noappend', '-quiet', '-no-progress', '-comp', 'gzip', '-mkfs-time', String(T)]);
    execFileSync('unsquashfs', ['-no-progress', '-d', join(work, 'peer'), img], { stdio: 'ignore' });
    const r = nixwrt(['unsquashfs', '-d', join(work, 'ours'), img]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    source = manifest(src);
    peer = manifest(join(work, 'peer'));
    ours = manifest(join(work, 'ours'));
  }, slow(60_000));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the whole tree: every entry, type, mode, owner, time, content, target, device, xattr and link', () => {
    expect(Object.keys(ours).length).toBeGreaterThan(15);
    expect(ours).toEqual(peer);
  });

  it('names as bytes: \\xfe and \\xff stay two files, invalid UTF-8 is not replaced', () => {
    for (const n of [Buffer.from([0xfe]), Buffer.from([0xff]), Buffer.from('café')]) {
      expect(ours[key(n)]).toBeDefined();
      expect(ours[key(n)]).toEqual(peer[key(n)]);
    }
    expect(ours[key(Buffer.from([0xfe]))]!.sha).not.toBe(ours[key(Buffer.from([0xff]))]!.sha);
  });

  it('251- and 255-byte names', () => {
    for (const n of ['n'.repeat(251), 'm'.repeat(255)]) expect(ours[key(n)]).toEqual(peer[key(n)]);
    expect(ours[key('m'.repeat(255))]).toBeDefined();
  });

  it('link targets as bytes', () => {
    expect(ours[key(Buffer.from('link-\xfe', 'latin1'))]!.target).toBe('fe');
    expect(ours[key('abs-link')]!.target).toBe(key('/abs/target'));
  });

  it('modes: setuid, read-only, directories', () => {
    for (const p of ['dir/suid', 'dir/ro', 'dir', '.']) expect(ours[key(p)]!.mode).toBe(peer[key(p)]!.mode);
    if (isRoot) expect(ours[key('dir/suid')]!.mode).toBe('0o4755');
  });

  it.skipIf(!isRoot)('owners, of symlinks too (lchown)', () => {
    expect(ours[key('abs-link')]!.owner).toEqual([1000, 1001]);
    expect(ours[key(Buffer.from('link-\xfe', 'latin1'))]!.owner).toEqual([0, 1002]);
    for (const p of ['dir', 'fifo', 'dir/suid', Buffer.from([0xff])]) expect(ours[key(p)]!.owner).toEqual(peer[key(p)]!.owner);
    expect(ours[key('dir')]!.owner).toEqual([7, 8]);
  });

  it('times of every entry, symlinks and directories included', () => {
    const times = (m: Manifest) => Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'links').map(([k, e]) => [k, (e as Entry).mtime]));
    expect(times(ours)).toEqual(times(peer));
    expect(ours[key('abs-link')]!.mtime).toBe(source[key('abs-link')]!.mtime);
  });

  it('xattrs', () => {
    expect(ours[key(Buffer.from([0xff]))]!.xattrs).toEqual({ 'user.x': key('1') });
    expect(ours[key('dir')]!.xattrs).toEqual({ 'user.d': key('2') });
    expect(ours[key('sparse')]!.xattrs).toEqual(peer[key('sparse')]!.xattrs);
  });

  it('hard links', () => {
    expect(ours.links).toEqual([[key('dir/hard'), key(Buffer.from([0xfe]))].sort()]);
    expect(ours.links).toEqual(peer.links);
  });

  it.skipIf(!isRoot)('devices', () => {
    expect(ours[key('null')]!.rdev).toEqual([1, 3]);
    expect(ours[key('blk')]!.rdev).toEqual([259, 300000]);
    expect(ours[key('null')]).toEqual(peer[key('null')]);
    expect(ours[key('blk')]).toEqual(peer[key('blk')]);
  });

  it('fifos', () => {
    expect(ours[key('fifo')]).toEqual(peer[key('fifo')]);
    expect(ours[key('fifo')]!.mode).toBe('0o640');
  });

  it('sockets', () => {
    expect(ours[key('sock')]!.type).toBe(S_IFSOCK);
    expect(ours[key('sock')]).toEqual(peer[key('sock')]);
  });

  it('sparse files come out with holes, files of stored zeros with the zeros (as unsquashfs)', () => {
    const sp = ours[key('sparse')]!;
    expect(sp.size).toBe(5 << 20);
    // The 5 MiB file holds one 4 KiB page of data: well under a MiB allocated.
    expect(sp.blocks! * 512).toBeLessThan(1 << 20);
    expect(sp).toEqual(peer[key('sparse')]);
    expect(ours[key('zeros')]!.blocks! * 512).toBeGreaterThanOrEqual(1 << 20);
    expect(ours[key('zeros')]).toEqual(peer[key('zeros')]);
  });

  it.skipIf(!nobodyCanRun())('as a user that is not root: owners ours, setuid dropped, devices skipped with exit 2, as unsquashfs', () => {
    const user = NOBODY;
    const nobody = join(work, 'nobody');
    mkdirSync(nobody, { mode: 0o777 });
    execFileSync('chmod', ['755', work]);
    execFileSync('chmod', ['777', nobody]);
    execFileSync('chmod', ['644', img]);
    const theirs = spawnSync('setpriv', [...user, 'unsquashfs', '-no-progress', '-d', join(nobody, 'peer'), img], { encoding: 'utf8' });
    const mine = spawnSync('setpriv', [...user, process.execPath, cli, 'unsquashfs', '-d', join(nobody, 'ours'), img], { encoding: 'utf8' });
    expect(theirs.status).toBe(2);
    expect(mine.status).toBe(2);
    expect(mine.stderr).toContain('2 devices not created (not root)');
    const a = manifest(join(nobody, 'ours'));
    expect(a[key('null')]).toBeUndefined();
    expect(a[key('dir/suid')]!.mode).toBe('0o755');
    expect(a[key('dir')]!.owner).toEqual([65534, 65534]);
    expect(a).toEqual(manifest(join(nobody, 'peer')));
  });

  it('-l lists the same bytes as unsquashfs -l', () => {
    const mine = spawnSync(process.execPath, [cli, 'unsquashfs', '-l', img]).stdout;
    const theirs = execFileSync('unsquashfs', ['-l', img]);
    const lines = (b: Buffer) => b.toString('latin1').split('\n').filter((l) => l.startsWith('squashfs-root'));
    expect(lines(mine)).toEqual(lines(theirs));
    expect(mine.includes(Buffer.from('squashfs-root/\xff\n', 'latin1'))).toBe(true);
  });
});

describe('nixwrt unsquashfs -l | head', () => {
  it('ends quietly when the reader goes away (no EPIPE stack trace)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'sqfs-epipe-'));
    try {
      const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 1 };
      const empty = { ...meta, type: 'file' as const, content: { kind: 'bytes' as const, data: new Uint8Array(0) } };
      // ~1.2 MB of listing: far more than a pipe holds once the reader has gone.
      const children = new Map<string, TreeNode>(Array.from({ length: 6000 }, (_, i) => [`${String(i).padStart(5, '0')}-${'x'.repeat(180)}`, empty]));
      const img = join(work, 'img');
      writeFileSync(img, await writeSquashfsToBuffer({ ...meta, mode: 0o755, type: 'dir', children } as DirNode, { comp: 'gzip', mkfsTime: 1, jobs: 0 }));
      const child = spawn(process.execPath, [cli, 'unsquashfs', '-l', img], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
      expect(stderr).toBe('');
      expect(code).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('hostile images: a typed error, nothing written outside -d, no partial tree left', () => {
  let work: string;
  let outside: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sqfs-hostile-'));
    outside = join(work, 'outside');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A canary directory with a file, its owner and time set so a change shows. */
  const canary = () => {
    rmSync(outside, { recursive: true, force: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'file'), 'canary\n');
    if (isRoot) chownSync(join(outside, 'file'), 4321, 4321);
    utimesSync(join(outside, 'file'), 1000, 1000);
    utimesSync(outside, 1000, 1000);
  };
  const canaryState = () => {
    const st = statSync(join(outside, 'file'));
    return { names: readdirSync(outside), text: readFileSync(join(outside, 'file'), 'utf8'), owner: [st.uid, st.gid], mtime: st.mtimeMs, dirMtime: statSync(outside).mtimeMs };
  };

  const cases: Array<{ kind: HostileKind; code: string; link?: 'absolute' | 'relative' }> = [
    { kind: 'symlink-then-dir', code: 'duplicate', link: 'absolute' },
    { kind: 'symlink-then-dir', code: 'duplicate', link: 'relative' },
    { kind: 'symlink-then-file', code: 'duplicate', link: 'absolute' },
    { kind: 'symlink-then-file', code: 'duplicate', link: 'relative' },
    { kind: 'dir-and-file', code: 'duplicate' },
    { kind: 'unsorted', code: 'unsorted' },
    { kind: 'dotdot', code: 'bad-directory' },
    { kind: 'slash', code: 'bad-directory' },
  ];
  for (const c of cases) {
    it(`${c.kind}${c.link ? ` (${c.link} link)` : ''}: [${c.code}] from the library and the CLI, canary untouched, -d not left behind`, async () => {
      canary();
      const before = canaryState();
      // The link sits in dest/sub: "../../outside" leaves dest.
      const to = c.kind === 'symlink-then-file' ? 'outside/file' : 'outside';
      const bytes = await hostileImage(c.kind, c.link === 'absolute' ? join(work, to) : `../../${to}`);
      const dest = join(work, 'dest');
      await expect(extractSquashfs(await openSquashfs(bytes), dest)).rejects.toMatchObject({ code: c.code });
      const imgPath = join(work, `${c.kind}.img`);
      writeFileSync(imgPath, bytes);
      const r = nixwrt(['unsquashfs', '-d', dest, imgPath]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`[${c.code}]`);
      expect(r.stderr).not.toContain('    at ');
      expect(canaryState()).toEqual(before);
      // Nothing but the image and the canary: no dest, no temp directory.
      expect(readdirSync(work).sort()).toEqual([`${c.kind}.img`, 'outside'].sort());
      rmSync(imgPath);
    });
  }

  it.skipIf(!havePeers('unsquashfs'))('unsquashfs 4.5 refuses the same images', async () => {
    for (const kind of ['symlink-then-dir', 'symlink-then-file', 'dir-and-file', 'unsorted', 'dotdot', 'slash'] as const) {
      const imgPath = join(work, `peer-${kind}.img`);
      writeFileSync(imgPath, await hostileImage(kind, outside));
      const r = spawnSync('unsquashfs', ['-no-progress', '-d', join(work, `peer-${kind}`), imgPath], { encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(kind === 'dotdot' || kind === 'slash' ? 'invalid characters in name' : 'directory has duplicate names or is unsorted');
      rmSync(imgPath);
      rmSync(join(work, `peer-${kind}`), { recursive: true, force: true });
    }
  });

  it('300 images with bits flipped in their inode and directory tables or names changed: extracted whole or refused with a SquashfsError, never written outside, never left half-written', async () => {
    const meta = { mode: 0o755, uid: 0, gid: 0, mtime: 1 };
    const f = (text: string): TreeNode => ({ ...meta, type: 'file', content: { kind: 'bytes', data: new TextEncoder().encode(text) } });
    const l = (target: string): TreeNode => ({ ...meta, mode: 0o777, type: 'symlink', target });
    const d = (entries: Array<[string, TreeNode]>): TreeNode => ({ ...meta, type: 'dir', children: new Map(entries) });
    // Links out of dest (absolute and relative) beside directories and files whose names differ
    // from theirs by one byte: a changed byte can make a duplicate or an unsorted pair.
    const tree = d([
      ['l0', l(outside)],
      ['l1', d([['f0', f('a')], ['l2', l('../../outside/file')], ['l3', d([['f1', f('b')]])]])],
      ['l2', l('../outside')],
      ['l3', f('c')],
      ['m0', d([['l0', l(join(outside, 'file'))], ['l1', f('d')]])],
    ]) as DirNode;
    const good = await writeSquashfsToBuffer(tree, { comp: 'none', mkfsTime: 1, jobs: 0 });
    const dv = new DataView(good.buffer, good.byteOffset);
    const inodes = Number(dv.getBigUint64(64, true));
    const dirs = Number(dv.getBigUint64(72, true));
    const ids = Number(dv.getBigUint64(48, true));
    // Where the two-byte names are in the directory table.
    const names = [...Buffer.from(good.subarray(dirs, ids)).toString('latin1').matchAll(/[lmf][0-3]/g)].map((m) => dirs + m.index);
    let x = 2463534242;
    const rand = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
    canary();
    const before = canaryState();
    const counts = { ok: 0, refused: 0, duplicate: 0 };
    const dest = join(work, 'fuzz');
    for (let i = 0; i < 300; i++) {
      const img = good.slice();
      if (i % 2 === 0) {
        for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) img[inodes + Math.floor(rand() * (ids - inodes))] ^= 1 << Math.floor(rand() * 8);
      } else {
        // Rename an entry: another letter or digit, often the name of a neighbour.
        const at = names[Math.floor(rand() * names.length)]!;
        if (rand() < 0.5) img[at] = 'lmf'.charCodeAt(Math.floor(rand() * 3));
        else img[at + 1] = '0123'.charCodeAt(Math.floor(rand() * 4));
      }
      try {
        await extractSquashfs(await openSquashfs(img, { maxFileSize: 1 << 20, maxEntries: 1000 }), dest);
        counts.ok++;
        rmSync(dest, { recursive: true });
      } catch (err) {
        expect(err).toBeInstanceOf(SquashfsError);
        counts.refused++;
        if ((err as SquashfsError).code === 'duplicate') counts.duplicate++;
      }
      expect(readdirSync(work).sort()).toEqual(['outside']);
    }
    expect(canaryState()).toEqual(before);
    expect(counts.refused).toBeGreaterThan(30);
    expect(counts.ok).toBeGreaterThan(30);
    expect(counts.duplicate).toBeGreaterThan(10);
  });

  it('the reader refuses them before returning any entry of the directory', async () => {
    const img = await openSquashfs(await hostileImage('symlink-then-dir', '/'));
    const sub = img.readDir(img.root()).find((e) => e.name === 'sub')!;
    expect(() => img.readDir(sub.inode)).toThrow(expect.objectContaining({ code: 'duplicate' }));
    expect(() => img.lookup('/sub/evil0')).toThrow(expect.objectContaining({ code: 'duplicate' }));
  });
});

describe('paths given to nixwrt unsquashfs and mksquashfs', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sqfs-paths-'));
    mkdirSync(join(work, 'src'));
    writeFileSync(join(work, 'src', 'f'), 'f\n');
    mkdirSync(join(work, 'full'));
    writeFileSync(join(work, 'full', 'keep'), 'keep\n');
    expect(nixwrt(['mksquashfs', join(work, 'src'), join(work, 'a.img')]).status).toBe(0);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const fails = (args: string[], code: string) => {
    const r = nixwrt(args);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^nixwrt: .*\\[${code}\\]\\n$`));
  };

  it('a missing image: [bad-input]', () => fails(['unsquashfs', '-d', join(work, 'x'), join(work, 'nope.img')], 'bad-input'));
  it('a directory as the image: [bad-input]', () => fails(['unsquashfs', '-l', work], 'bad-input'));
  it('a missing source directory: [bad-source]', () => fails(['mksquashfs', join(work, 'nope'), join(work, 'o.img')], 'bad-source'));
  it('a file as the source directory: [bad-source]', () => fails(['mksquashfs', join(work, 'src', 'f'), join(work, 'o.img')], 'bad-source'));
  it('a directory as the output image: [bad-output]', () => fails(['mksquashfs', join(work, 'src'), work], 'bad-output'));
  it('a file as the output image\'s directory: [bad-output]', () => fails(['mksquashfs', join(work, 'src'), join(work, 'src', 'f', 'o.img')], 'bad-output'));
  it('a file as -d\'s directory: [bad-output]', () => fails(['unsquashfs', '-d', join(work, 'src', 'f', 'x'), join(work, 'a.img')], 'bad-output'));
  it('a missing pseudo file: [bad-input]', () => fails(['mksquashfs', join(work, 'src'), join(work, 'o.img'), '--pseudo-file', join(work, 'nope.pf')], 'bad-input'));

  it('-d naming a directory that is not empty: [bad-output], its contents untouched', async () => {
    const img = join(work, 'a.img');
    fails(['unsquashfs', '-d', join(work, 'full'), img], 'bad-output');
    expect(readdirSync(join(work, 'full'))).toEqual(['keep']);
    // An empty one is taken (replaced by the tree, as unsquashfs extracts into it).
    mkdirSync(join(work, 'empty'));
    expect(nixwrt(['unsquashfs', '-d', join(work, 'empty'), img]).status).toBe(0);
    expect(readFileSync(join(work, 'empty', 'f'), 'utf8')).toBe('f\n');
  });

  it('a 251-byte output name (the temp name beside it stays within 255 bytes)', () => {
    const long = join(work, 'i'.repeat(251));
    const r = nixwrt(['mksquashfs', join(work, 'src'), long]);
    expect(r.stderr).toBe('');
    expect(existsSync(long)).toBe(true);
    const d = join(work, 'd'.repeat(251));
    expect(nixwrt(['unsquashfs', '-d', d, long]).status).toBe(0);
    expect(readFileSync(join(d, 'f'), 'utf8')).toBe('f\n');
  });
});
