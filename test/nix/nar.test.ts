import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NarParser, type NarEvent } from '../../src/nix/nar/reader.js';
import { narFromPath, narFromTree, type NarNode } from '../../src/nix/nar/writer.js';
import { ListingBuilder } from '../../src/nix/nar/listing.js';
import { encodeString } from '../../src/nix/nar/wire.js';
import { havePeers } from '../helpers/peer.js';
import { restoreNar } from '../../src/nix/restore.js';
import { edgeCaseTrees, nixHashPath, nixStoreDump, nixStoreRestore, writeTree } from './nix-peer.js';

async function collect(it: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

/** Event log with adjacent content chunks merged, so chunking does not matter. */
function parseAll(nar: Uint8Array, chunk: number): Array<Record<string, unknown>> {
  const p = new NarParser();
  const log: Array<Record<string, unknown>> = [];
  const add = (evs: NarEvent[]): void => {
    for (const e of evs) {
      const last = log[log.length - 1];
      if (e.type === 'contents' && last?.type === 'contents' && last.path === e.path) {
        (last.parts as Uint8Array[]).push(e.data);
      } else log.push(e.type === 'contents' ? { type: e.type, path: e.path, parts: [e.data] } : { ...e });
    }
  };
  for (let i = 0; i < nar.length; i += chunk) add(p.push(nar.subarray(i, i + chunk)));
  add(p.end());
  for (const e of log) {
    if (e.type === 'contents') {
      const data = Buffer.concat(e.parts as Uint8Array[]);
      delete e.parts;
      // Hex of small contents, a digest of large ones: deep-equal on megabyte Buffers is slow.
      e.data = data.length <= 64 ? data.toString('hex') : `${data.length}:${createHash('sha256').update(data).digest('hex')}`;
      e.bytes = data;
    }
  }
  return log;
}

/** Rebuild an in-memory tree from events: the reader's view, fed back to the writer. */
function treeFromEvents(log: Array<Record<string, unknown>>): NarNode {
  const nodes = new Map<string, NarNode>();
  for (const e of log) {
    const path = e.path as string;
    let node: NarNode | undefined;
    if (e.type === 'directory') node = { type: 'directory', entries: {} };
    else if (e.type === 'symlink') node = { type: 'symlink', target: e.target as string };
    else if (e.type === 'regular') node = { type: 'regular', executable: e.executable as boolean, contents: new Uint8Array(0) };
    else {
      (nodes.get(path) as { contents: Uint8Array }).contents = e.bytes as Uint8Array;
      continue;
    }
    nodes.set(path, node);
    if (path !== '') {
      const slash = path.lastIndexOf('/');
      const parent = nodes.get(slash < 0 ? '' : path.slice(0, slash)) as { entries: Record<string, NarNode> };
      parent.entries[path.slice(slash + 1)] = node;
    }
  }
  return nodes.get('')!;
}

const trees = edgeCaseTrees();
const work = mkdtempSync(join(tmpdir(), 'nixwrt-nar-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!havePeers('nix-store', 'nix'))('NAR writer against nix-store --dump', () => {
  for (const [name, tree] of Object.entries(trees)) {
    it(`${name}: same bytes and NarHash as Nix`, async () => {
      const dir = join(work, name);
      writeTree(tree, dir);
      const expected = nixStoreDump(dir);
      const fromPath = await collect(narFromPath(dir, 1000));
      const fromTree = await collect(narFromTree(tree));
      expect(fromPath.equals(expected)).toBe(true);
      expect(fromTree.equals(expected)).toBe(true);
      const sri = `sha256-${createHash('sha256').update(fromPath).digest('base64')}`;
      expect(sri).toBe(nixHashPath(dir));
    });
  }
});

describe('NAR reader', () => {
  for (const [name, tree] of Object.entries(trees)) {
    it(`${name}: byte-at-a-time and all-at-once give one event log; writer round-trips it`, async () => {
      const nar = await collect(narFromTree(tree));
      const whole = parseAll(nar, nar.length);
      const small = nar.length > 200_000 ? parseAll(nar, 7) : parseAll(nar, 1);
      const strip = (log: Array<Record<string, unknown>>): unknown[] => log.map(({ bytes: _b, ...rest }) => rest);
      expect(strip(small)).toEqual(strip(whole));
      const again = await collect(narFromTree(treeFromEvents(whole)));
      expect(again.equals(nar)).toBe(true);
    });
  }

  it('listing offsets point at the file contents inside the NAR', async () => {
    const nar = await collect(narFromTree(trees.nested!));
    const lb = new ListingBuilder();
    const p = new NarParser();
    for (const e of [...p.push(nar), ...p.end()]) lb.add(e);
    const sh = lb.root!.entries!.bin!.entries!.sh!;
    expect(sh).toMatchObject({ type: 'regular', size: 3000, executable: true });
    const want = ((trees.nested as { entries: Record<string, { contents: Uint8Array }> }).entries.bin as unknown as { entries: Record<string, { contents: Uint8Array }> }).entries.sh!.contents;
    expect(Buffer.from(nar.subarray(sh.narOffset!, sh.narOffset! + 3000)).equals(Buffer.from(want))).toBe(true);
    expect(lb.root!.entries!['up-link']).toEqual({ type: 'symlink', target: '../../etc/passwd' });
  });

  it('a one-file NAR built by hand (not by the writer) parses', () => {
    // "nix-archive-1" ( type regular contents "hi\n" )
    const hex =
      '0d00000000000000' + '6e69782d61726368697665' + '2d31000000' +
      '0100000000000000' + '2800000000000000' + '0400000000000000' + '7479706500000000' +
      '0700000000000000' + '726567756c617200' + '0800000000000000' + '636f6e74656e7473' +
      '0300000000000000' + '68690a0000000000' + '0100000000000000' + '2900000000000000';
    const nar = Buffer.from(hex, 'hex');
    const p = new NarParser();
    const evs = [...p.push(nar), ...p.end()];
    expect(evs[0]).toEqual({ type: 'regular', path: '', executable: false, size: 3, offset: 96 });
    expect(Buffer.from((evs[1] as { data: Uint8Array }).data).toString()).toBe('hi\n');
    expect(Buffer.concat([...narFromTree({ type: 'regular', contents: Buffer.from('hi\n') })]).equals(nar)).toBe(true);
  });
});

describe('hostile NARs are refused without large allocations', () => {
  const s = (x: string | Uint8Array): Uint8Array => encodeString(x);
  const cat = (...xs: Array<string | Uint8Array>): Buffer => Buffer.concat(xs.map((x) => (typeof x === 'string' ? s(x) : x)));
  const dirWith = (...entries: Array<[string, Buffer]>): Buffer =>
    cat('nix-archive-1', '(', 'type', 'directory', ...entries.flatMap(([n, node]) => ['entry', '(', 'name', n, 'node', node, ')']), ')');
  const reg = (body: string): Buffer => cat('(', 'type', 'regular', 'contents', body, ')');
  const sym = (t: string): Buffer => cat('(', 'type', 'symlink', 'target', t, ')');
  const u64 = (n: bigint): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return b;
  };

  const cases: Array<[string, Buffer, string]> = [
    ['dotdot', dirWith(['..', reg('x')]), 'bad-name'],
    ['dot', dirWith(['.', reg('x')]), 'bad-name'],
    ['slash', dirWith(['a/b', reg('x')]), 'bad-name'],
    ['empty-name', dirWith(['', reg('x')]), 'bad-name'],
    ['nul-name', dirWith(['a\0b', reg('x')]), 'bad-name'],
    ['unsorted', dirWith(['b', reg('x')], ['a', reg('y')]), 'unsorted'],
    ['duplicate', dirWith(['a', reg('x')], ['a', reg('y')]), 'duplicate'],
    // A symlink named "x" then a directory "x" that would be written through it.
    ['symlink-then-dir', dirWith(['x', sym('/etc')], ['x', cat('(', 'type', 'directory', 'entry', '(', 'name', 'passwd', 'node', reg('pwned'), ')', ')')]), 'duplicate'],
    ['name-2^60', Buffer.concat([cat('nix-archive-1', '(', 'type', 'directory', 'entry', '(', 'name'), u64(1n << 60n)]), 'too-long'],
    ['contents-2^60', Buffer.concat([cat('nix-archive-1', '(', 'type', 'regular', 'contents'), u64(1n << 60n), Buffer.alloc(64)]), 'too-long'],
    ['token-2^60', Buffer.concat([cat('nix-archive-1', '('), u64(1n << 60n)]), 'too-long'],
    ['target-2^60', Buffer.concat([cat('nix-archive-1', '(', 'type', 'symlink', 'target'), u64(1n << 60n)]), 'too-long'],
    ['long-name', dirWith(['n'.repeat(256), reg('x')]), 'too-long'],
    ['bad-magic', cat('nix-archive-2', '(', 'type', 'regular', 'contents', 'x', ')'), 'bad-token'],
    ['unknown-type', cat('nix-archive-1', '(', 'type', 'fifo', ')'), 'bad-token'],
    ['exec-value', cat('nix-archive-1', '(', 'type', 'regular', 'executable', 'yes', 'contents', 'x', ')'), 'bad-token'],
    ['empty-target', cat('nix-archive-1', sym('')), 'bad-target'],
    ['trailing', Buffer.concat([cat('nix-archive-1', reg('x')), Buffer.from([0])]), 'trailing-data'],
    ['truncated', cat('nix-archive-1', '(', 'type', 'regular', 'contents', 'xyz').subarray(0, -3), 'truncated'],
    ['bad-padding', (() => { const b = cat('nix-archive-1', reg('x')); b[b.length - 8 - 16 + 1 + 8 - 8] = 1; return b; })(), 'bad-padding'],
    ['too-deep', cat('nix-archive-1', ...Array(300).fill(['(', 'type', 'directory', 'entry', '(', 'name', 'd', 'node']).flat()), 'too-deep'],
  ];

  for (const [name, nar, code] of cases) {
    it(`${name} → ${code}`, () => {
      const before = process.memoryUsage().arrayBuffers;
      const p = new NarParser();
      let err: unknown;
      try {
        for (let i = 0; i < nar.length; i += 5) p.push(nar.subarray(i, i + 5));
        p.end();
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code });
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
    });
  }

  it('contents longer than the expected NarSize are refused as soon as the length is read', () => {
    const p = new NarParser({ maxSize: 1000 });
    const head = Buffer.concat([s('nix-archive-1'), s('('), s('type'), s('regular'), s('contents'), u64(5000n)]);
    expect(() => p.push(head)).toThrow(expect.objectContaining({ code: 'too-long' }));
  });
});

describe.skipIf(!havePeers('nix-store'))('NAR restore against nix-store --restore', () => {
  it('non-utf8-names: restoreNar writes the names and target nix-store --restore writes', async () => {
    const nar = await collect(narFromTree(trees['non-utf8-names']!));
    const narPath = join(work, 'bytes.nar');
    writeFileSync(narPath, nar);
    const ours = join(work, 'restored-ours');
    const theirs = join(work, 'restored-theirs');
    await restoreNar(narPath, ours);
    nixStoreRestore(nar, theirs);
    // Both dump back to the same NAR, and ours has the names' very bytes.
    expect(nixStoreDump(ours).equals(nar)).toBe(true);
    expect(nixStoreDump(theirs).equals(nar)).toBe(true);
    expect(readdirSync(ours, { encoding: 'buffer' }).some((n) => n.equals(Buffer.from([0x63, 0x61, 0x66, 0xe9])))).toBe(true);
    expect((await collect(narFromPath(ours))).equals(nar)).toBe(true);
  });
});
