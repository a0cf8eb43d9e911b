import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePeers } from '../helpers/peer.js';
import { SquashfsError, treeFromHostDir, writeSquashfsToBuffer } from '../../src/squashfs/index.js';
import { readHostXattrs } from '../../src/squashfs/host-xattrs.js';
import { sysLibs } from '../../src/squashfs/syslib.js';
import { byteString, bytesOf, compareByteStrings, fsPath, isByteString } from '../../src/util/byte-string.js';

const T = 1_000_000;
const b = (...parts: Array<string | number[] | Buffer>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
const at = (dir: string, name: Buffer) => Buffer.concat([Buffer.from(`${dir}/`), name]);

/** Names that are not UTF-8: latin1 bytes, a lone continuation byte, a truncated sequence, an encoded surrogate, 0xff. */
const NAMES = [b('caf', [0xe9]), b([0x80]), b('x', [0xe2, 0x82]), b([0xed, 0xa0, 0x80]), b([0xff, 0xfe], 'z'), b('ünï')];

describe('byte strings', () => {
  it('carry any bytes through a string and back, and sort by bytes', () => {
    const all = [...NAMES, b([0xf0, 0x9f, 0x98, 0x80]), b([0xf4, 0x90, 0x80, 0x80]), b([0xc0, 0xaf])];
    for (const n of all) {
      const s = byteString(n);
      expect(bytesOf(s).equals(n)).toBe(true);
      expect(isByteString(s)).toBe(true);
    }
    expect(byteString(b('plain'))).toBe('plain');
    expect(byteString(b([0xe9]))).toBe('\udce9');
    expect(typeof fsPath('plain/ü')).toBe('string');
    expect(fsPath('a/\udce9')).toEqual(b('a/', [0xe9]));
    // Escaped bytes that together are valid UTF-8, and a lone high surrogate, are no byte strings.
    expect(isByteString('\udcc3\udca9')).toBe(false);
    expect(isByteString('\ud800')).toBe(false);
    expect(compareByteStrings('\udce9', 'ü')).toBeGreaterThan(0); // 0xe9 > 0xc3
  });
});

/** Set xattrs with Python (Node has no xattr API): [path, name, value], names and paths as hex bytes. */
function setXattrs(list: Array<[Buffer, Buffer, Buffer]>): void {
  const script = 'import os,sys,json\nfor p,n,v in json.loads(sys.argv[1]): os.setxattr(bytes.fromhex(p), bytes.fromhex(n), bytes.fromhex(v), follow_symlinks=False)';
  execFileSync('python3', ['-c', script, JSON.stringify(list.map((x) => x.map((y) => y.toString('hex'))))]);
}

describe.skipIf(!havePeers('mksquashfs', 'unsquashfs'))('non-UTF-8 names, link targets and xattr names, against mksquashfs', () => {
  let dir: string;
  let src: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqfs-bytes-'));
    src = join(dir, 'src');
    mkdirSync(src);
    for (const n of NAMES) writeFileSync(at(src, n), b('file ', n));
    const sub = at(src, b('dir-', [0xa0]));
    mkdirSync(sub);
    writeFileSync(Buffer.concat([sub, b('/in-', [0xfc])]), 'inside\n');
    symlinkSync(b('target-', [0xff, 0x80], '/x'), at(src, b('link')));
    symlinkSync(b('../', [0xe9]), at(src, b('link-', [0xe9])));
    setXattrs([
      [at(src, b('caf', [0xe9])), b('user.n', [0xe9]), b('v1')],
      [at(src, b('caf', [0xe9])), b('user.plain'), b('v2')],
      [sub, b('user.', [0xff]), b('v3')],
    ]);
    execFileSync('chmod', ['-R', 'u+rwX,go+rX', src]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the host scan keeps every name, target and xattr name as bytes', async () => {
    const tree = await treeFromHostDir(src);
    const names = [...tree.children.keys()].map((k) => bytesOf(k).toString('hex')).sort();
    const onDisk = readdirSync(src, { encoding: 'buffer' }).map((n) => n.toString('hex')).sort();
    expect(names).toEqual(onDisk);
    const link = tree.children.get('link')!;
    expect(link.type === 'symlink' && bytesOf(link.target).equals(readlinkSync(at(src, b('link')), { encoding: 'buffer' }))).toBe(true);
    const x = readHostXattrs(byteString(at(src, b('caf', [0xe9]))));
    expect(x.map(([n]) => bytesOf(n).toString('hex')).sort()).toEqual([b('user.n', [0xe9]).toString('hex'), b('user.plain').toString('hex')].sort());
  });

  for (const comp of ['gzip', 'xz'] as const) {
    it(`${comp}: byte for byte mksquashfs's image`, async () => {
      const ours = await writeSquashfsToBuffer(await treeFromHostDir(src), { comp, allRoot: true, mkfsTime: T, allTime: T, jobs: 0 });
      const theirs = join(dir, `theirs-${comp}.img`);
      execFileSync('mksquashfs', [src, theirs, '-noappend', '-quiet', '-no-progress', '-processors', '1', '-comp', comp, '-all-root', '-mkfs-time', String(T), '-all-time', String(T)]);
      if (sysLibs()) expect(Buffer.from(ours).equals(readFileSync(theirs))).toBe(true);
      // unsquashfs lists the names with their bytes.
      const img = join(dir, `ours-${comp}.img`);
      writeFileSync(img, ours);
      const list = execFileSync('unsquashfs', ['-lls', '-n', img]);
      for (const n of NAMES) expect(list.includes(n)).toBe(true);
      expect(list.includes(b('link -> target-', [0xff, 0x80], '/x'))).toBe(true);
    });
  }

  it('unsquashfs restores the names, targets and xattr names of our image', async () => {
    const img = join(dir, 'ours.img');
    writeFileSync(img, await writeSquashfsToBuffer(await treeFromHostDir(src), { comp: 'gzip', mkfsTime: T, jobs: 0 }));
    const out = join(dir, 'x');
    execFileSync('unsquashfs', ['-no-progress', '-d', out, img], { stdio: 'pipe' });
    const hexList = (d: string) => readdirSync(d, { encoding: 'buffer' }).map((n) => n.toString('hex')).sort();
    expect(hexList(out)).toEqual(hexList(src));
    expect(readFileSync(at(out, b('caf', [0xe9]))).equals(b('file caf', [0xe9]))).toBe(true);
    expect(readlinkSync(at(out, b('link')), { encoding: 'buffer' }).equals(b('target-', [0xff, 0x80], '/x'))).toBe(true);
    const got = readHostXattrs(byteString(at(out, b('dir-', [0xa0]))));
    if (got.length > 0) expect(got.map(([n]) => bytesOf(n))).toEqual([b('user.', [0xff])]);
  });
});

describe('names that are not byte strings', () => {
  it('are refused with bad-name, not stored as U+FFFD', async () => {
    const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 0 };
    const file = { ...meta, type: 'file' as const, content: { kind: 'bytes' as const, data: new Uint8Array(1) } };
    const root = (name: string) => ({ ...meta, type: 'dir' as const, children: new Map([[name, file]]) });
    for (const bad of ['\ud800x', '\udcc3\udca9']) {
      await expect(writeSquashfsToBuffer(root(bad), { mkfsTime: 0, jobs: 0 })).rejects.toBeInstanceOf(SquashfsError);
      await expect(writeSquashfsToBuffer(root(bad), { mkfsTime: 0, jobs: 0 })).rejects.toMatchObject({ code: 'bad-name' });
    }
    const link = { ...meta, type: 'symlink' as const, target: 'a\ud800' };
    await expect(writeSquashfsToBuffer({ ...meta, type: 'dir', children: new Map([['l', link]]) }, { mkfsTime: 0, jobs: 0 })).rejects.toMatchObject({ code: 'bad-name' });
  });
});
