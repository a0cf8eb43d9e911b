// Without the system libraries the writer falls back to node:zlib, lzma-native and zstd-napi:
// different (valid) bytes for gzip and zstd, read back by unsquashfs and by our reader; xz
// gives mksquashfs's bytes (lzma-native's raw encoder in liblzma's container), tested below.
process.env.NIXWRT_NO_SYSLIB = '1';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { havePeers } from '../helpers/peer.js';
import { openSquashfs, treeFromHostDir, writeSquashfsToBuffer } from '../../src/squashfs/index.js';
import { sysLibs } from '../../src/squashfs/syslib.js';
import { createPool } from '../../src/workers/pool.js';
import type { DirNode, TreeNode } from '../../src/rootfs/tree.js';
import { mixed } from './trees.js';

const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 1 };
const tree = (): DirNode => ({
  ...meta,
  mode: 0o755,
  type: 'dir',
  children: new Map<string, TreeNode>(Array.from({ length: 12 }, (_, i) => [`f${i}`, { ...meta, type: 'file', content: { kind: 'bytes', data: mixed(1000 + i * 9000, `f${i}`) } }])),
});

describe.skipIf(!havePeers('unsquashfs'))('squashfs compressors without the system libraries', () => {
  it('is really in fallback mode', () => {
    expect(sysLibs()).toBeNull();
  });
  for (const comp of ['gzip', 'xz', 'zstd'] as const) {
    it(`${comp}: unsquashfs and our reader read the fallback image`, async () => {
      const img = await writeSquashfsToBuffer(tree(), { comp, blockSize: 16384, mkfsTime: 1, xzBcj: comp === 'xz' ? ['x86'] : undefined, jobs: 0 });
      const dir = mkdtempSync(join(tmpdir(), 'sqfs-fb-'));
      try {
        writeFileSync(join(dir, 'img'), img);
        const out = execFileSync('unsquashfs', ['-no-progress', '-d', join(dir, 'x'), join(dir, 'img')], { encoding: 'utf8' });
        expect(out).toContain('12 files');
        // The fallback codecs run in the worker threads: same bytes as on this thread.
        const pool = createPool({ threads: 2 });
        try {
          const threaded = await writeSquashfsToBuffer(tree(), { comp, blockSize: 16384, mkfsTime: 1, xzBcj: comp === 'xz' ? ['x86'] : undefined, pool });
          expect(Buffer.from(threaded).equals(Buffer.from(img))).toBe(true);
        } finally {
          await pool.close();
        }
        const r = await openSquashfs(img);
        expect(Buffer.from(r.readFile('/f11')).equals(Buffer.from(mixed(1000 + 11 * 9000, 'f11')))).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it.skipIf(!havePeers('mksquashfs'))('xz with BCJ: byte for byte mksquashfs\'s image (lzma-native\'s raw LZMA2 in liblzma\'s container)', async () => {
    // Text tails packed into small fragment blocks compress below the size lzma2_bound() gives:
    // liblzma's block header keeps the worst case's length, and so must ours.
    const dir = mkdtempSync(join(tmpdir(), 'sqfs-fbx-'));
    try {
      const src = join(dir, 'src');
      mkdirSync(src);
      chmodSync(src, 0o755);
      for (let i = 1; i <= 30; i++) writeFileSync(join(src, `f${i}.txt`), Array.from({ length: i * 40 }, (_, k) => `${k + 1}\n`).join(''), { mode: 0o644 });
      writeFileSync(join(src, 'big'), mixed(70_000, 'big'), { mode: 0o644 });
      const T = 1;
      execFileSync('mksquashfs', [src, join(dir, 'theirs'), '-noappend', '-quiet', '-no-progress', '-processors', '1', '-comp', 'xz', '-Xbcj', 'x86', '-b', '16384', '-all-root', '-mkfs-time', String(T), '-all-time', String(T)]);
      const ours = await writeSquashfsToBuffer(await treeFromHostDir(src), { comp: 'xz', blockSize: 16384, xzBcj: ['x86'], allRoot: true, mkfsTime: T, allTime: T, jobs: 0 });
      expect(Buffer.from(ours).equals(readFileSync(join(dir, 'theirs')))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
