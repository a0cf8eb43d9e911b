import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListingBuilder, narFromTree, parseNar, type NarNode } from '../../src/nix/nar/index.js';
import type { ClosureEntry } from '../../src/rootfs/store.js';
import { readContent } from '../../src/rootfs/content.js';
import type { DirNode, TreeNode } from '../../src/rootfs/tree.js';

/** Write NARs for in-memory trees to a temp dir and list them, as the local store cache would. */
export async function fakeClosure(paths: Record<string, NarNode>): Promise<Map<string, ClosureEntry>> {
  const dir = mkdtempSync(join(tmpdir(), 'nixwrt-rootfs-'));
  const out = new Map<string, ClosureEntry>();
  for (const [storePath, tree] of Object.entries(paths)) {
    const nar = Buffer.concat([...narFromTree(tree)]);
    const narPath = join(dir, storePath.slice('/nix/store/'.length) + '.nar');
    writeFileSync(narPath, nar);
    out.set(storePath, { narPath, listing: await listNar([nar]) });
  }
  return out;
}

export async function listNar(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
  const b = new ListingBuilder();
  for await (const ev of parseNar(chunks)) b.add(ev);
  return b.root!;
}

export function lookup(root: DirNode, path: string): TreeNode | undefined {
  let cur: TreeNode | undefined = root;
  for (const p of path.split('/').filter(Boolean)) cur = cur?.type === 'dir' ? cur.children.get(p) : undefined;
  return cur;
}

export async function bytesOf(node: TreeNode | undefined): Promise<Buffer> {
  if (node?.type !== 'file') throw new Error(`not a file: ${node?.type}`);
  const parts: Uint8Array[] = [];
  for await (const c of readContent(node.content, 4096)) parts.push(c);
  return Buffer.concat(parts);
}

/** A stable text form of a tree (metadata and content sources), for determinism checks. */
export function dump(node: TreeNode, path = ''): string[] {
  const m = `${path || '/'} ${node.type} ${node.mode.toString(8)} ${node.uid}:${node.gid} ${node.mtime}`;
  switch (node.type) {
    case 'dir':
      return [m, ...[...node.children.keys()].sort().flatMap((k) => dump(node.children.get(k)!, `${path}/${k}`))];
    case 'file':
      return [`${m} ${node.content.kind === 'bytes' ? Buffer.from(node.content.data).toString('base64') : JSON.stringify(node.content)}`];
    case 'symlink':
      return [`${m} -> ${node.target}`];
    case 'char':
    case 'block':
      return [`${m} ${node.major}:${node.minor}`];
    default:
      return [m];
  }
}
