import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePeers } from '../helpers/peer.js';
import { applyPseudo, openSquashfs, treeFromHostDir, writeSquashfs } from '../../src/squashfs/index.js';
import { sysLibs } from '../../src/squashfs/syslib.js';
import { makeEdgeTree, PSEUDO } from './trees.js';
import { hostManifest, imageManifest } from './manifest.js';

const T = 1_700_000_000;
const COMPS = ['gzip', 'xz', 'zstd', 'none'] as const;

function mksquashfsArgs(comp: (typeof COMPS)[number]): string[] {
  return comp === 'none' ? ['-noI', '-noD', '-noF', '-noX'] : ['-comp', comp];
}

describe.skipIf(!havePeers('mksquashfs', 'unsquashfs', 'sqfsdiff'))('squashfs against squashfs-tools and squashfs-tools-ng', () => {
  let src: string;
  let work: string;
  let pseudo: string;
  beforeAll(() => {
    src = makeEdgeTree();
    work = mkdtempSync(join(tmpdir(), 'sqfs-peer-'));
    pseudo = join(work, 'pseudo');
    writeFileSync(pseudo, `${PSEUDO}\n`);
  });
  afterAll(() => {
    rmSync(src, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const ours = async (name: string, opts: { comp: (typeof COMPS)[number]; allTime?: number }) => {
    const tree = await treeFromHostDir(src);
    applyPseudo(tree, PSEUDO, { mtime: T });
    const out = join(work, name);
    await writeSquashfs(tree, out, { comp: opts.comp, mkfsTime: T, allTime: opts.allTime, jobs: 2 });
    return out;
  };
  const theirs = (name: string, comp: (typeof COMPS)[number]) => {
    const out = join(work, name);
    execFileSync('mksquashfs', [src, out, '-noappend', '-quiet', '-no-progress', '-processors', '2', '-mkfs-time', String(T), '-all-time', String(T), '-pf', pseudo, ...mksquashfsArgs(comp)]);
    return out;
  };

  for (const comp of COMPS) {
    it(`${comp}: unsquashfs accepts our image and extracts the source exactly`, async () => {
      const img = await ours(`ours-${comp}.img`, { comp });
      const s = execFileSync('unsquashfs', ['-s', img], { encoding: 'utf8' });
      expect(s).toContain('Found a valid SQUASHFS 4:0 superblock');
      const dest = join(work, `x-${comp}`);
      execFileSync('unsquashfs', ['-no-progress', '-d', dest, img], { stdio: 'pipe' });
      const got = hostManifest(dest, { times: true });
      // Expected: the source itself plus the pseudo entries (read back by our reader, whose
      // own correctness the mksquashfs comparison below establishes).
      const expected = { ...hostManifest(src, { times: true }) };
      const r = await openSquashfs(img);
      const fromImage = imageManifest(r, { times: true });
      r.close();
      for (const [p, v] of Object.entries(fromImage)) if (p.startsWith('/dev')) expected[p] = v;
      expected['/'] = fromImage['/']!;
      expect(got).toEqual(expected);
      expect(fromImage['/dev/big']).toMatch(/^char 600 0:0 t\d+ 4000,1048000$/);
      expect(fromImage['/perm/setuid']).toMatch(/^file 4755 0:0 /);
      expect(fromImage['/perm/owned']).toMatch(/^file 640 123456:654321 /);
    });

    it(`${comp}: sqfsdiff finds no difference to mksquashfs's image (inode numbers, times, super)`, async () => {
      const mine = await ours(`cmp-${comp}.img`, { comp, allTime: T });
      const ref = theirs(`ref-${comp}.img`, comp);
      const r = spawnSync('sqfsdiff', ['-T', '-I', '-a', ref, '-b', mine], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
      // Our reader reads mksquashfs's image, and sees what it sees in ours.
      const a = await openSquashfs(ref);
      const b = await openSquashfs(mine);
      expect(imageManifest(a, { times: true })).toEqual(imageManifest(b, { times: true }));
      a.close();
      b.close();
      // Byte for byte mksquashfs's image: always for 'none' (-noI -noD -noF -noX); for the
      // compressors when the system's zlib/liblzma/libzstd are loaded (the ones mksquashfs uses).
      if (comp === 'none' || sysLibs()) {
        expect(Buffer.compare(readFileSync(mine), readFileSync(ref))).toBe(0);
      } else {
        process.stderr.write(`[note] system compression libraries not loadable: ${comp} image not compared byte for byte\n`);
      }
    });
  }
});
