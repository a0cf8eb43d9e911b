import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePeers } from '../helpers/peer.js';
import { applyPseudo, SquashfsError, treeFromHostDir, writeSquashfs, writeSquashfsToBuffer, type SquashfsOptions } from '../../src/squashfs/index.js';
import { sysLibs } from '../../src/squashfs/syslib.js';
import { writeSquashfsNative } from '../../native/mksquashfs.js';
import { makeEdgeTree, PSEUDO } from './trees.js';

const T = 1_650_000_000;
type Variant = Omit<SquashfsOptions, 'mkfsTime'>;
const VARIANTS: Array<[string, Variant]> = [
  ['4 KiB blocks, gzip level 6', { comp: 'gzip', blockSize: 4096, level: 6 }],
  ['no fragments', { comp: 'gzip', blockSize: 4096, fragments: false }],
  ['always-use-fragments (tail packing)', { comp: 'zstd', blockSize: 4096, alwaysFragments: true, level: 3 }],
  ['no duplicate detection, not exportable', { comp: 'none', blockSize: 8192, dedup: false, exportable: false }],
  ['xz with BCJ filters and a small dictionary', { comp: 'xz', blockSize: 65536, xzDictSize: 16384, xzBcj: ['x86', 'arm'] }],
  ['1 MiB blocks, all-root', { comp: 'zstd', blockSize: 1 << 20, allRoot: true }],
];

describe.skipIf(!havePeers('mksquashfs'))('squashfs options against mksquashfs, byte for byte', () => {
  let src: string;
  let work: string;
  beforeAll(() => {
    src = makeEdgeTree({ blockSize: 4096 });
    work = mkdtempSync(join(tmpdir(), 'sqfs-opt-'));
    writeFileSync(join(work, 'pseudo'), `${PSEUDO}\n`);
  });
  afterAll(() => {
    rmSync(src, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  for (const [name, v] of VARIANTS) {
    it.skipIf(v.comp !== 'none' && !sysLibs())(name, async () => {
      const opts = { ...v, mkfsTime: T, allTime: T };
      const tree = await treeFromHostDir(src);
      applyPseudo(tree, PSEUDO, { mtime: T });
      const mine = join(work, 'mine.img');
      const ref = join(work, 'ref.img');
      await writeSquashfs(tree, mine, { ...opts, jobs: 1 });
      await writeSquashfsNative(src, ref, { ...opts, jobs: 2, pseudoFile: join(work, 'pseudo') });
      expect(Buffer.compare(readFileSync(mine), readFileSync(ref))).toBe(0);
    });
  }
});

describe('squashfs option and input errors', () => {
  const dir = { mode: 0o755, uid: 0, gid: 0, mtime: 0, type: 'dir' as const, children: new Map() };
  const code = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof SquashfsError ? e.code : String(e)));
  it('rejects bad block sizes, levels, dictionaries and filters with bad-option', async () => {
    expect(await code(writeSquashfsToBuffer(dir, { mkfsTime: 0, blockSize: 3000 }))).toBe('bad-option');
    expect(await code(writeSquashfsToBuffer(dir, { mkfsTime: 0, blockSize: 2 << 20 }))).toBe('bad-option');
    expect(await code(writeSquashfsToBuffer(dir, { mkfsTime: 0, comp: 'gzip', level: 10 }))).toBe('bad-option');
    expect(await code(writeSquashfsToBuffer(dir, { mkfsTime: 0, comp: 'xz', xzDictSize: 100000 }))).toBe('bad-option');
    expect(await code(writeSquashfsToBuffer(dir, { mkfsTime: 0, comp: 'xz', xzBcj: ['mips' as never] }))).toBe('bad-option');
    expect(await code(writeSquashfsToBuffer(dir, { mkfsTime: -1 }))).toBe('bad-option');
  });
  it('rejects bad names and oversized symlinks', async () => {
    const withChild = (name: string, node: object) => ({ ...dir, children: new Map([[name, { mode: 0o644, uid: 0, gid: 0, mtime: 0, ...node }]]) });
    expect(await code(writeSquashfsToBuffer(withChild('a/b', { type: 'fifo' }) as never, { mkfsTime: 0 }))).toBe('bad-name');
    expect(await code(writeSquashfsToBuffer(withChild('x'.repeat(257), { type: 'fifo' }) as never, { mkfsTime: 0 }))).toBe('bad-name');
    expect(await code(writeSquashfsToBuffer(withChild('l', { type: 'symlink', target: 'x'.repeat(4097) }) as never, { mkfsTime: 0 }))).toBe('too-large');
  });
  it('parses the pseudo subset and names the line of an error', () => {
    const root = { ...dir, children: new Map() };
    applyPseudo(root, '# comment\n/dev d 755 0 0\n"/dev/tty S0" c 620 0 5 4 64\ndev/log s 777 0 0 /run/log\n', { mtime: 9 });
    const dev = root.children.get('dev') as { children: Map<string, unknown> };
    expect(dev.children.get('tty S0')).toMatchObject({ type: 'char', major: 4, minor: 64, mode: 0o620, gid: 5 });
    expect(dev.children.get('log')).toMatchObject({ type: 'symlink', target: '/run/log' });
    expect(() => applyPseudo(root, '\n/nope/x c 600 0 0 1 1', { mtime: 0, file: 'p' })).toThrow(/p:2: .*parent directory nope/);
    expect(() => applyPseudo(root, '/x f 600 0 0 cat', { mtime: 0 })).toThrow(expect.objectContaining({ code: 'bad-pseudo' }));
    expect(() => applyPseudo(root, '/x c 900 0 0 1 1', { mtime: 0 })).toThrow(expect.objectContaining({ code: 'bad-pseudo' }));
  });
});
