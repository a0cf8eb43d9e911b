/**
 * /nix/store from the local store cache: each store path's NAR listing (Nix's .ls shape)
 * becomes tree nodes whose file contents are slices of the verified NAR. Nothing is unpacked.
 */
import type { NarListingEntry } from '../nix/nar/listing.js';
import { RootfsError } from './errors.js';
import type { DirNode, TreeNode } from './tree.js';

/** One fetched store path: the verified NAR on disk and its listing. */
export interface ClosureEntry {
  narPath: string;
  listing: NarListingEntry;
  /** `sha256:<nix32>` of the NAR, when known (it names file contents for caches). */
  narHash?: string;
}

/** Store path → fetched entry, as the nix client's fetchClosure returns it. */
export type Closure = ReadonlyMap<string, ClosureEntry>;

/** Modes as in a real Nix store: read-only, executables and directories r-x. */
export function nodeFromListing(e: NarListingEntry, narPath: string, mtime: number, where: string, narHash?: string): TreeNode {
  const meta = { uid: 0, gid: 0, mtime };
  switch (e.type) {
    case 'regular': {
      if (!Number.isSafeInteger(e.size) || !Number.isSafeInteger(e.narOffset) || e.size! < 0 || e.narOffset! < 0) {
        throw new RootfsError('bad-listing', `${where}: regular file without a valid size and narOffset`);
      }
      return { ...meta, type: 'file', mode: e.executable ? 0o555 : 0o444, content: { kind: 'nar-slice', narPath, offset: e.narOffset!, size: e.size!, ...(narHash ? { narHash } : {}) } };
    }
    case 'symlink':
      if (typeof e.target !== 'string') throw new RootfsError('bad-listing', `${where}: symlink without a target`);
      return { ...meta, type: 'symlink', mode: 0o777, target: e.target };
    case 'directory': {
      const children = new Map<string, TreeNode>();
      for (const name of Object.keys(e.entries ?? {}).sort()) {
        if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
          throw new RootfsError('bad-listing', `${where}: bad entry name ${JSON.stringify(name)}`);
        }
        children.set(name, nodeFromListing(e.entries![name]!, narPath, mtime, `${where}/${name}`, narHash));
      }
      return { ...meta, type: 'dir', mode: 0o555, children };
    }
    default:
      throw new RootfsError('bad-listing', `${where}: unknown entry type ${JSON.stringify((e as { type: unknown }).type)}`);
  }
}

/** /nix/store with every path of the closure (which must contain `roots`). */
export function storeTree(closure: Closure, roots: string[], mtime: number): DirNode {
  for (const r of roots) {
    if (!closure.has(r)) throw new RootfsError('missing-store-path', `store path ${r} is not in the fetched closure`);
  }
  const store: DirNode = { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime, children: new Map() };
  for (const path of [...closure.keys()].sort()) {
    const m = /^\/nix\/store\/([^/]+)$/.exec(path);
    if (!m) throw new RootfsError('bad-listing', `'${path}' is not a store path`);
    const e = closure.get(path)!;
    store.children.set(m[1]!, nodeFromListing(e.listing, e.narPath, mtime, path, e.narHash));
  }
  return store;
}
