import { execFileSync } from 'node:child_process';
import { linkSync, lstatSync, lutimesSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePeers } from '../helpers/peer.js';
import { extractSquashfs, openSquashfs, treeFromHostDir, writeSquashfsToBuffer } from '../../src/squashfs/index.js';
import { sysLibs } from '../../src/squashfs/syslib.js';
import { mixed } from './trees.js';

const isRoot = process.getuid?.() === 0;
const T = 1_000_000;

/**
 * A host tree with hard links: a multi-block file with three links in three directories, a
 * linked small file (fragment), a separate file with the same bytes (duplicate, not a link), a
 * linked fifo, a linked character device (as root), a hard-linked symlink and a file whose other
 * link is outside the tree (one link inside).
 */
function makeLinkedTree(root: string): string {
  const src = join(root, 'src');
  for (const d of ['bin', 'sbin', 'etc', 'usr/bin', 'dev']) mkdirSync(join(src, d), { recursive: true });
  writeFileSync(join(src, 'bin/busybox'), mixed(300_000, 'bb'));
  linkSync(join(src, 'bin/busybox'), join(src, 'sbin/init'));
  linkSync(join(src, 'bin/busybox'), join(src, 'usr/bin/env'));
  writeFileSync(join(src, 'usr/bin/copy'), mixed(300_000, 'bb'));
  writeFileSync(join(src, 'etc/a'), 'linked small file\n');
  linkSync(join(src, 'etc/a'), join(src, 'etc/b'));
  execFileSync('mkfifo', [join(src, 'dev/fifo')]);
  linkSync(join(src, 'dev/fifo'), join(src, 'etc/fifo2'));
  if (isRoot) {
    execFileSync('mknod', [join(src, 'dev/null'), 'c', '1', '3']);
    linkSync(join(src, 'dev/null'), join(src, 'etc/null2'));
  }
  symlinkSync('busybox', join(src, 'bin/sh'));
  linkSync(join(src, 'bin/sh'), join(src, 'bin/ash'));
  writeFileSync(join(root, 'outside'), 'one link in the tree\n');
  linkSync(join(root, 'outside'), join(src, 'etc/half'));
  execFileSync('chmod', ['-R', 'u+rwX,go+rX', src]);
  // mksquashfs links inodes whose whole stat buffers match, and its readlink() of the first
  // name can move the symlink's atime (relatime: atime not after ctime) before it stats the
  // second. An atime after ctime keeps it still, so both tools see one inode.
  lutimesSync(join(src, 'bin/sh'), new Date(Date.now() + 86_400_000), new Date(T * 1000));
  return src;
}

/** Whether reading the symlink leaves its atime alone (not so on a strictatime mount). */
function symlinkAtimeStable(src: string): boolean {
  const before = lstatSync(join(src, 'bin/sh')).atimeMs;
  readlinkSync(join(src, 'bin/sh'));
  return lstatSync(join(src, 'bin/sh')).atimeMs === before;
}

describe.skipIf(!havePeers('mksquashfs', 'unsquashfs'))('hard links, against mksquashfs', () => {
  let dir: string;
  let src: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqfs-hl-'));
    src = makeLinkedTree(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const comp of ['gzip', 'xz'] as const) {
    it(`${comp}: one inode per linked host inode, byte for byte mksquashfs's image`, async () => {
      const ours = await writeSquashfsToBuffer(await treeFromHostDir(src), { comp, allRoot: true, mkfsTime: T, allTime: T, jobs: 0 });
      const theirs = join(dir, `theirs-${comp}.img`);
      execFileSync('mksquashfs', [src, theirs, '-noappend', '-quiet', '-no-progress', '-processors', '1', '-comp', comp, '-all-root', '-mkfs-time', String(T), '-all-time', String(T)]);
      // Byte identity needs the compressors mksquashfs uses (the system libraries).
      if (sysLibs() && symlinkAtimeStable(src)) expect(Buffer.from(ours).equals(readFileSync(theirs))).toBe(true);

      const img = await openSquashfs(ours);
      const bb = img.lookup('/bin/busybox');
      for (const p of ['/sbin/init', '/usr/bin/env']) {
        const l = img.lookup(p);
        expect(l.inodeNumber).toBe(bb.inodeNumber);
        expect(l.ref).toBe(bb.ref);
      }
      expect(bb.nlink).toBe(3);
      expect(bb.type).toBe(9); // extended file inode: the basic one has no link count
      expect(img.lookup('/usr/bin/copy').inodeNumber).not.toBe(bb.inodeNumber);
      expect(img.lookup('/etc/b').ref).toBe(img.lookup('/etc/a').ref);
      expect(img.lookup('/etc/fifo2').ref).toBe(img.lookup('/dev/fifo').ref);
      expect(img.lookup('/dev/fifo').nlink).toBe(2);
      expect(img.lookup('/bin/ash').ref).toBe(img.lookup('/bin/sh').ref);
      expect(img.lookup('/bin/ash').nlink).toBe(2);
      expect(img.lookup('/etc/half').nlink).toBe(1);
      expect(img.lookup('/etc/half').type).toBe(2);
      if (isRoot) expect(img.lookup('/etc/null2').ref).toBe(img.lookup('/dev/null').ref);
      // Inode numbers stay 1..N with no gaps: the superblock count is the distinct inodes.
      const numbers = new Set([...img.walk()].map((e) => e.inode.inodeNumber));
      expect(Math.max(...numbers)).toBe(numbers.size);
    });
  }

  it('unsquashfs and our extractor both restore the links', async () => {
    const ours = await writeSquashfsToBuffer(await treeFromHostDir(src), { comp: 'gzip', allRoot: true, mkfsTime: T, jobs: 0 });
    const imgPath = join(dir, 'ours.img');
    writeFileSync(imgPath, ours);
    const peerOut = join(dir, 'peer-x');
    execFileSync('unsquashfs', ['-no-progress', '-d', peerOut, imgPath], { stdio: 'ignore' });
    const ourOut = join(dir, 'our-x');
    await extractSquashfs(await openSquashfs(ours), ourOut);
    for (const out of [peerOut, ourOut]) {
      const ino = (p: string) => lstatSync(join(out, p)).ino;
      expect(ino('sbin/init')).toBe(ino('bin/busybox'));
      expect(ino('usr/bin/env')).toBe(ino('bin/busybox'));
      expect(lstatSync(join(out, 'bin/busybox')).nlink).toBe(3);
      expect(ino('usr/bin/copy')).not.toBe(ino('bin/busybox'));
      expect(ino('etc/b')).toBe(ino('etc/a'));
      expect(ino('etc/fifo2')).toBe(ino('dev/fifo'));
      expect(ino('bin/ash')).toBe(ino('bin/sh'));
      expect(Buffer.from(readFileSync(join(out, 'usr/bin/env'))).equals(Buffer.from(mixed(300_000, 'bb')))).toBe(true);
    }
  });
});

describe('hard links in an in-memory tree', () => {
  const meta = { mode: 0o755, uid: 0, gid: 0, mtime: 1 };
  it('the same file node in two directories is one inode with two links; a directory twice is refused', async () => {
    const file = { ...meta, type: 'file' as const, content: { kind: 'bytes' as const, data: new TextEncoder().encode('x\n') } };
    const a = { ...meta, type: 'dir' as const, children: new Map([['f', file]]) };
    const root = { ...meta, type: 'dir' as const, children: new Map<string, typeof a | typeof file>([['a', a], ['g', file]]) };
    const img = await openSquashfs(await writeSquashfsToBuffer(root, { comp: 'gzip', mkfsTime: 1, jobs: 0 }));
    expect(img.lookup('/g').ref).toBe(img.lookup('/a/f').ref);
    expect(img.lookup('/g').nlink).toBe(2);
    expect(new TextDecoder().decode(img.readFile('/g'))).toBe('x\n');
    const loop = { ...meta, type: 'dir' as const, children: new Map([['a', a], ['b', a]]) };
    await expect(writeSquashfsToBuffer(loop, { comp: 'gzip', mkfsTime: 1, jobs: 0 })).rejects.toMatchObject({ code: 'cycle' });
  });
});
