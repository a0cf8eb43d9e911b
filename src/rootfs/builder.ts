/**
 * The rootfs builder: System + fetched closure → one virtual tree. Reads as the pipeline:
 * store from NAR listings, then the system's directories, files, symlinks and device nodes,
 * then overlays, then checks. Nothing is unpacked; everything is root-owned unless the system
 * says otherwise; every time is the one build time (SOURCE_DATE_EPOCH or 0).
 */
import type { System } from '../config/types.js';
import { RootfsError } from './errors.js';
import { overlayFromDir, overlayFromTarball, type OverlayEntry } from './overlay.js';
import { storeTree, type Closure } from './store.js';
import type { DirNode, TreeNode } from './tree.js';

export interface BuildRootfsOptions {
  /** Time for every entry; default SOURCE_DATE_EPOCH from the environment, else 0. */
  mtime?: number;
}

/** The build time: an explicit value, else SOURCE_DATE_EPOCH, else 0 (never the clock). */
export function buildTime(explicit?: number, env: NodeJS.ProcessEnv = process.env): number {
  if (explicit !== undefined) return explicit;
  const s = env.SOURCE_DATE_EPOCH;
  return s !== undefined && /^[0-9]+$/.test(s) ? Number(s) : 0;
}

export async function buildRootfs(system: System, closure: Closure, opts: BuildRootfsOptions = {}): Promise<DirNode> {
  const mtime = buildTime(opts.mtime);
  const root: DirNode = { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime, children: new Map() };
  const nix = dirAt(root, '/nix', mtime);
  nix.children.set('store', storeTree(closure, system.packages.map((p) => p.storePath), mtime));
  addSystemEntries(root, system, mtime);
  for (const o of system.overlays) {
    const entries = 'dir' in o ? await overlayFromDir(o.dir, mtime) : await overlayFromTarball(o.tarball, mtime);
    applyOverlay(root, entries, 'dir' in o ? o.dir : o.tarball, mtime);
  }
  checkSystemLinks(root, system);
  return root;
}

/** Generated directories, files, symlinks and device nodes (never under /nix/store). */
export function addSystemEntries(root: DirNode, s: System, mtime: number): void {
  const meta = (mode: number, uid = 0, gid = 0) => ({ mode, uid, gid, mtime });
  const enc = new TextEncoder();
  const put = (path: string, node: TreeNode) => {
    if (path === '/nix/store' || path.startsWith('/nix/store/')) {
      throw new RootfsError('path-conflict', `${path}: the system may not add entries under /nix/store`);
    }
    putNode(root, path, node, mtime, 'system');
  };
  for (const [p, d] of Object.entries(s.directories)) dirAt(root, p, mtime, meta(d.mode, d.uid, d.gid));
  for (const [p, f] of Object.entries(s.files)) {
    const data = typeof f.content === 'string' ? enc.encode(f.content) : f.content;
    put(p, { ...meta(f.mode, f.uid, f.gid), type: 'file', content: { kind: 'bytes', data } });
  }
  for (const [p, l] of Object.entries(s.symlinks)) put(p, { ...meta(0o777), type: 'symlink', target: l.target });
  for (const [p, d] of Object.entries(s.devices)) put(p, { ...meta(d.mode), type: d.type, major: d.major, minor: d.minor });
}

/** Overlay entries replace what is there; a directory over a directory keeps its children. */
export function applyOverlay(root: DirNode, entries: OverlayEntry[], source: string, mtime: number): void {
  for (const { path, node } of entries) {
    if (path === '/nix/store' || path.startsWith('/nix/store/')) {
      throw new RootfsError('path-conflict', `overlay ${source}: ${path}: overlays may not change /nix/store`);
    }
    if (node.type === 'dir') {
      const d = dirAt(root, path, mtime, undefined, `overlay ${source}`);
      d.mode = node.mode;
      continue;
    }
    const { parent, name } = parentOf(root, path, mtime, `overlay ${source}`);
    const old = parent.children.get(name);
    if (old?.type === 'dir') throw new RootfsError('path-conflict', `overlay ${source}: ${path} is a directory in the rootfs, not a ${node.type}`);
    parent.children.set(name, node);
  }
}

function putNode(root: DirNode, path: string, node: TreeNode, mtime: number, who: string): void {
  const { parent, name } = parentOf(root, path, mtime, who);
  if (parent.children.has(name)) throw new RootfsError('path-conflict', `${who}: ${path} exists already`);
  parent.children.set(name, node);
}

function parentOf(root: DirNode, path: string, mtime: number, who: string): { parent: DirNode; name: string } {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) throw new RootfsError('path-conflict', `${who}: cannot replace the root directory`);
  const parent = dirAt(root, '/' + parts.slice(0, -1).join('/'), mtime, undefined, who);
  return { parent, name: parts[parts.length - 1]! };
}

/** The directory at `path`, creating missing ones (0755 or `meta`); errors on a non-directory. */
function dirAt(root: DirNode, path: string, mtime: number, meta?: { mode: number; uid: number; gid: number; mtime: number }, who = 'system'): DirNode {
  let cur = root;
  const parts = path.split('/').filter((p) => p !== '');
  parts.forEach((name, i) => {
    let next = cur.children.get(name);
    if (next === undefined) {
      next = { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime, children: new Map() };
      cur.children.set(name, next);
    }
    if (next.type !== 'dir') {
      throw new RootfsError('path-conflict', `${who}: /${parts.slice(0, i + 1).join('/')} is a ${next.type}, not a directory (needed for ${path})`);
    }
    cur = next;
  });
  if (meta && parts.length > 0) Object.assign(cur, { mode: meta.mode, uid: meta.uid, gid: meta.gid });
  return cur;
}

/**
 * Every symlink the system adds that points into /nix/store must reach something in the tree
 * (catches a package whose layout differs from what a module expects, e.g. no bin/busybox).
 */
function checkSystemLinks(root: DirNode, s: System): void {
  for (const [path, { target }] of Object.entries(s.symlinks)) {
    if (!target.startsWith('/nix/store/')) continue;
    if (resolvePath(root, target, 0) === undefined) {
      throw new RootfsError('dangling-link', `${path} -> ${target}: target is not in the rootfs (is the package layout what the module expects?)`);
    }
  }
}

/** Follow a path from the root, symlinks included (bounded). */
export function resolvePath(root: DirNode, path: string, depth: number): TreeNode | undefined {
  if (depth > 40) return undefined;
  let cur: TreeNode = root;
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  const stack: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i]!;
    if (name === '..') {
      stack.pop();
      cur = resolvePath(root, '/' + stack.join('/'), depth + 1)!;
      continue;
    }
    if (cur.type !== 'dir') return undefined;
    const next: TreeNode | undefined = cur.children.get(name);
    if (next === undefined) return undefined;
    if (next.type === 'symlink') {
      const base = next.target.startsWith('/') ? next.target : '/' + [...stack, next.target].join('/');
      const r = resolvePath(root, base + '/' + parts.slice(i + 1).join('/'), depth + 1);
      return r;
    }
    stack.push(name);
    cur = next;
  }
  return cur;
}
