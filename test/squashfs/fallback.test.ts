// Without the system libraries the writer falls back to node:zlib, lzma-native and zstd-napi:
// different (valid) bytes, read back by unsquashfs and by our reader.
process.env.NIXWRT_NO_SYSLIB = '1';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { havePeers } from '../helpers/peer.js';
import { openSquashfs, writeSquashfsToBuffer } from '../../src/squashfs/index.js';
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
});
