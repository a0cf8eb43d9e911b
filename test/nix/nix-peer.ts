import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, symlinkSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { NarNode } from '../../src/nix/nar/writer.js';
import { pseudoRandom as xorshift } from '../helpers/pseudo-random.js';
import { fsPath } from '../../src/util/byte-string.js';

/** Environment for running Debian's Nix 2.8 without a daemon or build users. */
export function nixEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NIX_CONFIG: 'experimental-features = nix-command\nbuild-users-group =', ...extra };
}

export function nixStoreDump(path: string): Buffer {
  return execFileSync('nix-store', ['--dump', path], { env: nixEnv(), maxBuffer: 1 << 30 });
}

export function nixHashPath(path: string): string {
  return execFileSync('nix', ['hash', 'path', path], { env: nixEnv() }).toString().trim();
}

/** `nix-store --restore DIR` with the NAR on stdin. */
export function nixStoreRestore(nar: Uint8Array, dir: string): void {
  const r = spawnSync('nix-store', ['--restore', dir], { env: nixEnv(), input: nar });
  if (r.status !== 0) throw new Error(`nix-store --restore failed: ${r.stderr.toString()}`);
}

/** Materialize an in-memory tree on disk (the same tree the writer serializes directly); names and targets are byte strings. */
export function writeTree(node: NarNode, path: string): void {
  if (node.type === 'regular') {
    writeFileSync(fsPath(path), node.contents);
    chmodSync(fsPath(path), node.executable ? 0o755 : 0o644);
  } else if (node.type === 'symlink') {
    symlinkSync(fsPath(node.target), fsPath(path));
  } else {
    mkdirSync(fsPath(path));
    for (const [name, child] of Object.entries(node.entries)) writeTree(child, join(path, name));
  }
}

/** Deterministic pseudo-random bytes (xorshift), so trees are the same on every run. */
export function pseudoRandom(n: number, seed: number): Uint8Array {
  return xorshift(n, seed | 1);
}

const file = (s: string | Uint8Array, executable = false): NarNode => ({
  type: 'regular',
  executable,
  contents: typeof s === 'string' ? new TextEncoder().encode(s) : s,
});

/** Edge cases: every padding length, empty things, exec bits, byte-order sorting, odd names. */
export function edgeCaseTrees(): Record<string, NarNode> {
  const sizes: Record<string, NarNode> = {};
  for (const n of [0, 1, 7, 8, 9, 15, 16, 17, 4095, 4096, 4097, 65537]) sizes[`size-${n}`] = file(pseudoRandom(n, n + 1), n % 2 === 1);
  return {
    'single-file': file('hello\n'),
    'single-exec': file('#!/bin/sh\necho hi\n', true),
    'empty-file': file(''),
    'single-symlink': { type: 'symlink', target: '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-dangling' },
    'empty-dir': { type: 'directory', entries: {} },
    sizes: { type: 'directory', entries: sizes },
    sorting: {
      type: 'directory',
      entries: {
        b: file('b'), B: file('B'), a: file('a'), 'a-b': file('1'), 'a.b': file('2'), a0: file('3'),
        '~': file('~'), 'ä': file('u'), 'é': file('e'), '_': file('_'), '+x': file('+'),
        '.hidden': file('.'), '..dots': file('..'),
      },
    },
    // Names and a target that are not UTF-8 (byte strings: \udcXX is the byte XX), sorted by bytes.
    'non-utf8-names': {
      type: 'directory',
      entries: {
        'caf\udce9': file('latin1'), '\udc80': file('continuation'), 'x\udce2\udc82': file('truncated'), '\udcff\udcfez': file('ff'),
        'ü': file('utf8'), 'dir-\udca0': { type: 'directory', entries: { 'in-\udcfc': file('inner') } },
        link: { type: 'symlink', target: 'target-\udcff\udc80/x' },
      },
    },
    nested: {
      type: 'directory',
      entries: {
        bin: { type: 'directory', entries: { sh: file(pseudoRandom(3000, 7), true), ls: { type: 'symlink', target: 'sh' } } },
        lib: { type: 'directory', entries: { deep: { type: 'directory', entries: { er: { type: 'directory', entries: { x: file('x') } } } } } },
        empty: { type: 'directory', entries: {} },
        'up-link': { type: 'symlink', target: '../../etc/passwd' },
        'long-link': { type: 'symlink', target: 'x'.repeat(1000) },
        ['n'.repeat(255)]: file('long name'),
        big: file(pseudoRandom(1_500_000, 99)),
      },
    },
  };
}
