import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePeers } from '../helpers/peer.js';
import { extractSquashfs, openSquashfs, treeFromHostDir, writeSquashfsToBuffer } from '../../src/squashfs/index.js';
import { readHostXattrs } from '../../src/squashfs/host-xattrs.js';
import { sysLibs } from '../../src/squashfs/syslib.js';

const isRoot = process.getuid?.() === 0;
const T = 1_000_000;

/** Set xattrs with Python's os.setxattr (Node has no xattr API): [path, name, value as hex][]. */
function setXattrs(list: Array<[string, string, string]>): void {
  const script = 'import os,sys,json\nfor p,n,v in json.loads(sys.argv[1]): os.setxattr(p, n, bytes.fromhex(v), follow_symlinks=False)';
  execFileSync('python3', ['-c', script, JSON.stringify(list)]);
}

/** Every entry's xattrs under `dir`, as read by Python (the peer for the extraction check). */
function pyXattrs(dir: string): Record<string, Record<string, string>> {
  const script = `import os,sys,json
out={}
for root,dirs,files in os.walk(sys.argv[1]):
  for n in ['']+dirs+files:
    p=os.path.join(root,n) if n else root
    rel=os.path.relpath(p,sys.argv[1])
    try: names=os.listxattr(p, follow_symlinks=False)
    except OSError: names=[]
    out[rel]={k: os.getxattr(p,k,follow_symlinks=False).hex() for k in names}
print(json.dumps(out))`;
  return JSON.parse(execFileSync('python3', ['-c', script, dir], { encoding: 'utf8' })) as Record<string, Record<string, string>>;
}

const hex = (s: string | Uint8Array) => Buffer.from(s).toString('hex');

/**
 * A tree whose xattrs cover mksquashfs's cases: the same list on two files (one id), values
 * over 128 bytes (out of line) and under, a long value repeated in another list (stored once), the same
 * long value twice in one list, xattrs on the root, a directory, a symlink, a fifo and (as
 * root) a device, in user., trusted. and security. names.
 */
function makeTree(root: string): string {
  const src = join(root, 'src');
  mkdirSync(join(src, 'etc/deep'), { recursive: true });
  writeFileSync(join(src, 'a'), 'a\n');
  writeFileSync(join(src, 'b'), 'b\n');
  writeFileSync(join(src, 'etc/c'), 'c\n');
  writeFileSync(join(src, 'etc/deep/d'), 'd\n');
  symlinkSync('a', join(src, 'link'));
  execFileSync('mkfifo', [join(src, 'fifo')]);
  if (isRoot) execFileSync('mknod', [join(src, 'null'), 'c', '1', '3']);
  const selinux = hex('system_u:object_r:bin_t:s0\0');
  const big = hex('x'.repeat(300));
  const list: Array<[string, string, string]> = [
    [src, 'user.root', hex('r')],
    [join(src, 'a'), 'user.zeta', hex('1')],
    [join(src, 'a'), 'user.alpha', hex('hello')],
    [join(src, 'a'), 'security.selinux', selinux],
    [join(src, 'b'), 'user.zeta', hex('1')],
    [join(src, 'b'), 'user.alpha', hex('hello')],
    [join(src, 'b'), 'security.selinux', selinux],
    [join(src, 'etc'), 'user.big', big],
    [join(src, 'etc/c'), 'user.big', big],
    [join(src, 'etc/c'), 'trusted.t', hex('12345678')],
    [join(src, 'etc/deep/d'), 'user.one', hex('same value, 8+ bytes')],
    [join(src, 'etc/deep/d'), 'user.two', hex('same value, 8+ bytes')],
    [join(src, 'etc/deep/d'), 'user.mid', hex('m'.repeat(100))], // inline: not over 128
    [join(src, 'etc/deep/d'), 'user.ünïcödé', hex('u')],
    [join(src, 'link'), 'trusted.link', hex('L')],
    [join(src, 'fifo'), 'security.fifo', hex('F')],
  ];
  if (isRoot) list.push([join(src, 'null'), 'security.dev', hex('D')]);
  setXattrs(list);
  execFileSync('chmod', ['-R', 'u+rwX,go+rX', src]);
  return src;
}

function mksquashfs(src: string, out: string, comp: string, extra: string[] = []): Buffer {
  execFileSync('mksquashfs', [src, out, '-noappend', '-quiet', '-no-progress', '-processors', '1', '-comp', comp, '-all-root', '-mkfs-time', String(T), '-all-time', String(T), ...extra]);
  return readFileSync(out);
}

describe.skipIf(!havePeers('mksquashfs', 'unsquashfs', 'python3'))('xattrs, against mksquashfs', () => {
  let dir: string;
  let src: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqfs-xa-'));
    src = makeTree(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads host xattrs in the file system order, as mksquashfs does', () => {
    expect(readHostXattrs(join(src, 'a')).map(([n]) => n)).toEqual(['user.zeta', 'user.alpha', 'security.selinux']);
    expect(Buffer.from(readHostXattrs(join(src, 'a'))[1]![1]).toString()).toBe('hello');
    expect(readHostXattrs(join(src, 'link')).map(([n]) => n)).toEqual(['trusted.link']);
  });

  for (const comp of ['gzip', 'xz'] as const) {
    it(`${comp}: byte for byte mksquashfs's image, with and without xattrs`, async () => {
      const ours = await writeSquashfsToBuffer(await treeFromHostDir(src), { comp, allRoot: true, mkfsTime: T, allTime: T, jobs: 0 });
      const theirs = mksquashfs(src, join(dir, `m-${comp}.img`), comp);
      expect(ours.length).toBe(theirs.length);
      if (sysLibs()) expect(Buffer.from(ours).equals(theirs)).toBe(true);
      const bare = await writeSquashfsToBuffer(await treeFromHostDir(src, { xattrs: false }), { comp, allRoot: true, mkfsTime: T, allTime: T, jobs: 0, xattrs: false });
      const theirsBare = mksquashfs(src, join(dir, `m-${comp}-nox.img`), comp, ['-no-xattrs']);
      if (sysLibs()) expect(Buffer.from(bare).equals(theirsBare)).toBe(true);
      // Superblock: an xattr id table in one, none (all ones) and the NO_XATTRS flag in the other.
      const sb = (img: Uint8Array) => new DataView(img.buffer, img.byteOffset, 96);
      expect(sb(ours).getBigUint64(56, true)).not.toBe(0xffffffffffffffffn);
      expect(sb(bare).getBigUint64(56, true)).toBe(0xffffffffffffffffn);
      expect(sb(ours).getUint16(24, true) & 0x200).toBe(0);
      expect(sb(bare).getUint16(24, true) & 0x200).toBe(0x200);
    });
  }

  it("our reader reads mksquashfs's xattrs, and our extractor restores them", async () => {
    const img = await openSquashfs(mksquashfs(src, join(dir, 'm-read.img'), 'xz'));
    const want = pyXattrs(src);
    const asHex = (x: Array<[string, Uint8Array]>) => Object.fromEntries(x.map(([n, v]) => [n, hex(v)]));
    for (const { path, inode } of img.walk()) {
      expect(asHex(img.xattrs(inode))).toEqual(want[path === '/' ? '.' : path.slice(1)] ?? {});
    }
    expect(asHex(img.xattrs(img.lookup('/etc/c')))['user.big']).toBe(hex('x'.repeat(300)));
    const out = join(dir, 'ours-x');
    const r = await extractSquashfs(img, out);
    // trusted. and security. need root; as root every one is set.
    if (isRoot) {
      expect(r.xattrsNotSet).toEqual([]);
      expect(pyXattrs(out)).toEqual(want);
    } else {
      expect(r.xattrsNotSet.every((x) => !x.includes(' user.'))).toBe(true);
    }
  });

  it.skipIf(!isRoot)('unsquashfs restores every xattr from our image', async () => {
    const ours = await writeSquashfsToBuffer(await treeFromHostDir(src), { comp: 'gzip', allRoot: true, mkfsTime: T, jobs: 0 });
    writeFileSync(join(dir, 'ours.img'), ours);
    const out = join(dir, 'x');
    execFileSync('unsquashfs', ['-no-progress', '-d', out, join(dir, 'ours.img')], { stdio: 'ignore' });
    const want = pyXattrs(src);
    const got = pyXattrs(out);
    expect(Object.keys(want['etc/c']!)).toContain('trusted.t');
    expect(got).toEqual(want);
  });

  it('a list over 64 KiB moves values out of line until it fits, as mksquashfs does', async (ctx) => {
    // ext4 holds one block of xattrs per inode; tmpfs takes large ones.
    const shm = mkdtempSync(join('/dev/shm', 'sqfs-xa-'));
    try {
      const s = join(shm, 'src');
      mkdirSync(s);
      writeFileSync(join(s, 'f'), 'f\n');
      writeFileSync(join(s, 'g'), 'g\n');
      const r = spawnSync('python3', ['-c', `import os\nfor i in range(3): os.setxattr('${s}/f', 'user.v%d' % i, bytes([65+i])*30000)\nos.setxattr('${s}/f', 'user.small', b'0123456789'*5)\nos.setxattr('${s}/g', 'user.v9', b'A'*30000)`]);
      if (r.status !== 0) return ctx.skip();
      execFileSync('chmod', ['-R', 'u+rwX,go+rX', s]);
      const ours = await writeSquashfsToBuffer(await treeFromHostDir(s), { comp: 'gzip', allRoot: true, mkfsTime: T, allTime: T, jobs: 0 });
      const theirs = mksquashfs(s, join(shm, 'm.img'), 'gzip');
      expect(ours.length).toBe(theirs.length);
      if (sysLibs()) expect(Buffer.from(ours).equals(theirs)).toBe(true);
      const out = join(shm, 'x');
      execFileSync('unsquashfs', ['-no-progress', '-d', out, join(shm, 'm.img')], { stdio: 'ignore' });
      expect(pyXattrs(out)).toEqual(pyXattrs(s));
      // Our reader follows the out-of-line references.
      const img = await openSquashfs(ours);
      // In the order the file system lists them (tmpfs: not the order they were set).
      const listed = readHostXattrs(join(s, 'f')).map(([n, v]) => [n, v.length]);
      expect(listed).toHaveLength(4);
      expect(img.xattrs(img.lookup('/f')).map(([n, v]) => [n, v.length])).toEqual(listed);
      expect(Buffer.from(img.xattrs(img.lookup('/g'))[0]![1]).equals(Buffer.alloc(30000, 65))).toBe(true);
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  });
});
