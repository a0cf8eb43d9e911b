/** Small NARs written by our own writer: every node type, nesting, names that sort, empty files. */
import { encodeString, narFromTree, type NarNode } from '../../../src/nix/index.js';

const bytes = (s: string) => new TextEncoder().encode(s);

export function narSeeds(): Uint8Array[] {
  const trees: NarNode[] = [
    { type: 'regular', contents: bytes('hello\n') },
    { type: 'regular', executable: true, contents: bytes('#!/bin/sh\necho hi\n'.repeat(5)) },
    { type: 'symlink', target: '../lib/libc.so.6' },
    { type: 'directory', entries: {} },
    {
      type: 'directory',
      entries: {
        bin: { type: 'directory', entries: { sh: { type: 'symlink', target: 'busybox' }, busybox: { type: 'regular', executable: true, contents: bytes('\x7fELF') } } },
        empty: { type: 'regular', contents: new Uint8Array(0) },
        'lib.so': { type: 'regular', contents: bytes('x'.repeat(13)) },
        share: { type: 'directory', entries: { a: { type: 'directory', entries: { b: { type: 'directory', entries: { c: { type: 'regular', contents: bytes('deep') } } } } } } },
      },
    },
  ];
  return trees.map((t) => Buffer.concat([...narFromTree(t)]));
}

/** The grammar's tokens as they appear on the wire (length, bytes, padding): whole tokens to insert. */
export const NAR_WORDS: readonly string[] = ['(', ')', 'type', 'regular', 'directory', 'symlink', 'entry', 'name', 'node', 'target', 'contents', 'executable', '']
  .map((t) => Buffer.from(encodeString(t)).toString('latin1'));
