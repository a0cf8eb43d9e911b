import { open, readdir, readlink, lstat } from 'node:fs/promises';
import { NarError } from '../errors.js';
import { byteString, fsPath, showByteString } from '../../util/byte-string.js';
import { NAR_MAGIC, TOKENS, checkEntryName, checkSymlinkTarget, compareNames, encodeString, encodeU64, padding } from './wire.js';

/** An in-memory file tree, the writer's other input besides a path on disk. */
export type NarNode =
  | { type: 'regular'; executable?: boolean; contents: Uint8Array }
  | { type: 'symlink'; target: string }
  | { type: 'directory'; entries: Record<string, NarNode> };

const tok = (...ts: string[]): Uint8Array => Buffer.concat(ts.map((t) => encodeString(t)));
const ZEROS = new Uint8Array(8);

function regularHeader(executable: boolean, size: number): Uint8Array {
  const head = executable
    ? tok(TOKENS.open, TOKENS.type, TOKENS.regular, TOKENS.executable, '', TOKENS.contents)
    : tok(TOKENS.open, TOKENS.type, TOKENS.regular, TOKENS.contents);
  return Buffer.concat([head, encodeU64(size)]);
}

function sortedNames(names: string[], where: string): string[] {
  const sorted = [...names].sort(compareNames);
  let prev: string | null = null;
  for (const n of sorted) {
    checkEntryName(n, prev, where);
    prev = n;
  }
  return sorted;
}

/** Serialize an in-memory tree; yields the NAR in pieces. */
export function* narFromTree(root: NarNode): Generator<Uint8Array> {
  yield encodeString(NAR_MAGIC);
  yield* treeNode(root, '');
}

function* treeNode(node: NarNode, path: string): Generator<Uint8Array> {
  if (node.type === 'regular') {
    yield regularHeader(node.executable === true, node.contents.length);
    yield node.contents;
    yield Buffer.concat([ZEROS.subarray(0, padding(node.contents.length)), tok(TOKENS.close)]);
  } else if (node.type === 'symlink') {
    checkSymlinkTarget(node.target, path || '/');
    yield tok(TOKENS.open, TOKENS.type, TOKENS.symlink, TOKENS.target, node.target, TOKENS.close);
  } else {
    yield tok(TOKENS.open, TOKENS.type, TOKENS.directory);
    for (const name of sortedNames(Object.keys(node.entries), path || '/')) {
      yield tok(TOKENS.entry, TOKENS.open, TOKENS.name, name, TOKENS.node);
      yield* treeNode(node.entries[name]!, `${path}/${name}`);
      yield tok(TOKENS.close);
    }
    yield tok(TOKENS.close);
  }
}

/**
 * Serialize a file system path as `nix-store --dump` does (executable = owner x bit). `path` is
 * a byte string (src/util/byte-string.ts); names and link targets are read as bytes.
 */
export async function* narFromPath(path: string, chunkSize = 1 << 20): AsyncGenerator<Uint8Array> {
  yield encodeString(NAR_MAGIC);
  yield* pathNode(path, chunkSize);
}

async function* pathNode(path: string, chunkSize: number): AsyncGenerator<Uint8Array> {
  const st = await lstat(fsPath(path));
  if (st.isFile()) {
    yield regularHeader((st.mode & 0o100) !== 0, st.size);
    const fh = await open(fsPath(path), 'r');
    try {
      let done = 0;
      while (done < st.size) {
        const buf = Buffer.allocUnsafe(Math.min(chunkSize, st.size - done));
        const { bytesRead } = await fh.read(buf, 0, buf.length, done);
        if (bytesRead === 0) throw new NarError('truncated', `${showByteString(path)}: file shrank while being archived`);
        done += bytesRead;
        yield buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
    yield Buffer.concat([ZEROS.subarray(0, padding(st.size)), tok(TOKENS.close)]);
  } else if (st.isSymbolicLink()) {
    const target = byteString(await readlink(fsPath(path), { encoding: 'buffer' }));
    checkSymlinkTarget(target, path);
    yield tok(TOKENS.open, TOKENS.type, TOKENS.symlink, TOKENS.target, target, TOKENS.close);
  } else if (st.isDirectory()) {
    yield tok(TOKENS.open, TOKENS.type, TOKENS.directory);
    const names = (await readdir(fsPath(path), { encoding: 'buffer' })).map(byteString);
    for (const name of sortedNames(names, path)) {
      yield tok(TOKENS.entry, TOKENS.open, TOKENS.name, name, TOKENS.node);
      yield* pathNode(`${path}/${name}`, chunkSize);
      yield tok(TOKENS.close);
    }
    yield tok(TOKENS.close);
  } else {
    throw new NarError('unsupported-file', `${showByteString(path)}: only regular files, directories and symlinks can be archived`);
  }
}
