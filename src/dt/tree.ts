/**
 * The live device tree, with dtc 1.6.1's semantics: properties and nodes are never unlinked
 * by /delete-.../ but flagged `deleted`, so that a later definition of the same name revives
 * them in their old place; labels are flagged the same way; phandles are allocated lazily.
 */
import { DtError, type SrcPos } from './errors.js';

/**
 * Deepest node nesting we accept (from source or blob): above dtc's own parser limit (about
 * 3,330 levels), and low enough for the recursive tree walks to stay within the JS stack.
 */
export const MAX_NODE_DEPTH = 4000;

export interface Label {
  name: string;
  deleted: boolean;
}

/**
 * A position inside a property value: a phandle reference (a 4-byte cell to fill), a path
 * reference (the referenced node's path is inserted there), or a label inside the value.
 */
export interface Marker {
  kind: 'phandle' | 'path' | 'label';
  offset: number;
  ref: string;
  /** where the reference was written, for error messages */
  pos?: SrcPos;
}

export class DtProperty {
  deleted = false;
  labels: Label[] = [];
  markers: Marker[] = [];
  constructor(
    public name: string,
    public value: Uint8Array,
    public pos?: SrcPos,
  ) {}
}

export class DtNode {
  props: DtProperty[] = [];
  children: DtNode[] = [];
  labels: Label[] = [];
  deleted = false;
  parent: DtNode | null = null;
  /** 0 = none yet; set from an explicit `phandle` property or on first reference. */
  phandle = 0;
  omitIfUnused = false;
  referenced = false;
  constructor(
    public name: string,
    public pos?: SrcPos,
  ) {}

  /** Live (not deleted) properties in order. */
  liveProps(): DtProperty[] {
    return this.props.filter((p) => !p.deleted);
  }
  liveChildren(): DtNode[] {
    return this.children.filter((c) => !c.deleted);
  }
  getProperty(name: string): DtProperty | undefined {
    return this.props.find((p) => !p.deleted && p.name === name);
  }
  getChild(name: string): DtNode | undefined {
    return this.children.find((c) => !c.deleted && c.name === name);
  }
  /** dtc's add_child: append. */
  addChild(child: DtNode): void {
    child.parent = this;
    this.children.push(child);
  }
  get path(): string {
    if (!this.parent) return '/';
    const parts: string[] = [];
    for (let n: DtNode | null = this; n?.parent; n = n.parent) parts.push(n.name);
    return '/' + parts.reverse().join('/');
  }
  /** Name without the unit address. */
  get basename(): string {
    const at = this.name.indexOf('@');
    return at < 0 ? this.name : this.name.slice(0, at);
  }
}

export interface ReserveEntry {
  address: bigint;
  size: bigint;
}

/** What `setProperty` accepts: a string, a string list, 32-bit cells, or raw bytes. */
export type PropertyValue = string | string[] | number[] | Uint8Array;

export function encodeValue(value: PropertyValue): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return new TextEncoder().encode(value + '\0');
  if (value.length > 0 && typeof value[0] === 'string') {
    return new TextEncoder().encode((value as string[]).map((s) => s + '\0').join(''));
  }
  const cells = value as number[];
  const out = new Uint8Array(cells.length * 4);
  const dv = new DataView(out.buffer);
  cells.forEach((c, i) => {
    if (!Number.isInteger(c) || c < -0x80000000 || c > 0xffffffff) {
      throw new DtError('value-out-of-range', `cell ${c} does not fit in 32 bits`);
    }
    dv.setUint32(i * 4, c >>> 0);
  });
  return out;
}

export function addLabel(labels: Label[], name: string): void {
  const old = labels.find((l) => l.name === name);
  if (old) {
    old.deleted = false;
    return;
  }
  labels.unshift({ name, deleted: false }); // dtc prepends
}

function deleteLabels(labels: Label[]): void {
  for (const l of labels) l.deleted = true;
}

export function deleteProperty(prop: DtProperty): void {
  prop.deleted = true;
  deleteLabels(prop.labels);
}

export function deleteNode(node: DtNode): void {
  for (const n of liveNodes(node)) {
    for (const p of n.props) if (!p.deleted) deleteProperty(p);
    deleteLabels(n.labels);
  }
  for (const n of liveNodes(node)) n.deleted = true;
}

/**
 * dtc's merge_nodes: fold `from` into `into`, in place. Depth-first in source order exactly as
 * dtc's recursion (a later sibling of the same name merges over an earlier one), but with an
 * explicit stack: trees may nest thousands deep.
 */
export function mergeNodes(into: DtNode, from: DtNode): DtNode {
  const stack: { old: DtNode; add: DtNode; i: number }[] = [];
  const enter = (old: DtNode, add: DtNode) => {
    mergeHead(old, add);
    stack.push({ old, add, i: 0 });
  };
  enter(into, from);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.i >= f.add.children.length) {
      stack.pop();
      continue;
    }
    const nc = f.add.children[f.i++]!;
    if (nc.deleted) {
      const victim = f.old.children.find((c) => c.name === nc.name);
      if (victim) deleteNode(victim);
      continue;
    }
    const oc = f.old.children.find((c) => c.name === nc.name);
    if (oc) enter(oc, nc);
    else f.old.addChild(nc);
  }
  return into;
}

/** The node itself: revive it, add labels, merge properties. */
function mergeHead(old: DtNode, add: DtNode): void {
  old.deleted = false;
  for (const l of add.labels) addLabel(old.labels, l.name);
  for (const np of add.props) {
    if (np.deleted) {
      const victim = old.props.find((p) => p.name === np.name);
      if (victim) deleteProperty(victim);
      continue;
    }
    const op = old.props.find((p) => p.name === np.name);
    if (op) {
      for (const l of np.labels) addLabel(op.labels, l.name);
      op.value = np.value;
      op.markers = np.markers;
      op.deleted = false;
      op.pos = np.pos;
    } else {
      old.props.push(np);
    }
  }
}

/** Pre-order over live (not deleted) nodes, as dtc's checks walk the tree. */
export function forEachLive(node: DtNode, fn: (n: DtNode) => void): void {
  for (const n of liveNodes(node)) fn(n);
}

/**
 * `node` and its live descendants in pre-order, walked with an explicit stack (no recursion,
 * so any depth works). A node's children are looked at when the loop body for it has run, so
 * deleting the current node skips its subtree, as dtc's recursive walks do.
 */
export function* liveNodes(node: DtNode): Generator<DtNode> {
  const stack: DtNode[] = [node];
  for (let n = stack.pop(); n; n = stack.pop()) {
    yield n;
    for (let i = n.children.length - 1; i >= 0; i--) {
      const c = n.children[i]!;
      if (!c.deleted) stack.push(c);
    }
  }
}

/** dtc 1.6.1 get_node_by_path: every component must equal a full node name. */
export function nodeByPath(root: DtNode, path: string): DtNode | undefined {
  let node = root;
  for (const part of path.split('/')) {
    if (part === '') continue;
    const next = node.getChild(part);
    if (!next) return undefined;
    node = next;
  }
  return node.deleted ? undefined : node;
}

export function nodeByLabel(root: DtNode, label: string): DtNode | undefined {
  for (const n of liveNodes(root)) if (n.labels.some((l) => !l.deleted && l.name === label)) return n;
  return undefined;
}

/** `ref` is a label or a path (from `&label` or `&{/path}`). */
export function nodeByRef(root: DtNode, ref: string): DtNode | undefined {
  if (ref === '/') return root;
  return ref.startsWith('/') ? nodeByPath(root, ref) : nodeByLabel(root, ref);
}

export function nodeByPhandle(root: DtNode, ph: number): DtNode | undefined {
  if (ph === 0 || ph === 0xffffffff || root.deleted) return undefined;
  for (const n of liveNodes(root)) if (n.phandle === ph) return n;
  return undefined;
}

/**
 * A whole device tree: root node, /memreserve/ entries and the boot CPU id.
 * The edit methods take absolute paths; a path component may omit the unit address
 * when that is unambiguous (`/memory` finds `memory@0`).
 */
export class DeviceTree {
  root = new DtNode('');
  memreserve: ReserveEntry[] = [];
  bootCpuid = 0;
  plugin = false;
  /** Next candidate phandle (dtc keeps this in a static). */
  nextPhandle = 1;
  /** Number of the next /plugin/ `fragment@N` (dtc's next_orphan_fragment). */
  nextFragment = 0;

  /** An empty tree (root only), for building DTBs programmatically (FIT images, tests). */
  static create(): DeviceTree {
    return new DeviceTree();
  }

  getNode(path: string): DtNode | undefined {
    if (!path.startsWith('/')) return undefined;
    let node = this.root;
    for (const part of path.split('/')) {
      if (part === '') continue;
      let next = node.getChild(part);
      if (!next && !part.includes('@')) {
        const cands = node.liveChildren().filter((c) => c.basename === part);
        if (cands.length === 1) next = cands[0];
      }
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  /** Like getNode, but a missing node is an error naming the path. */
  requireNode(path: string): DtNode {
    const n = this.getNode(path);
    if (!n) throw new DtError('no-such-node', `no node ${path} in the device tree`);
    return n;
  }

  /** Create the node (and missing parents), or return the existing one. */
  addNode(path: string): DtNode {
    if (!path.startsWith('/')) throw new DtError('no-such-node', `node path must be absolute: ${path}`);
    let node = this.root;
    for (const part of path.split('/')) {
      if (part === '') continue;
      let next = node.getChild(part);
      if (!next) {
        const revived = node.children.find((c) => c.name === part);
        if (revived) {
          // a deleted node comes back empty, in its old place
          revived.deleted = false;
          revived.props = [];
          revived.children = [];
          next = revived;
        } else {
          next = new DtNode(part);
          node.addChild(next);
        }
      }
      node = next;
    }
    return node;
  }

  deleteNode(path: string): void {
    const n = this.requireNode(path);
    if (n === this.root) throw new DtError('no-such-node', 'cannot delete the root node');
    deleteNode(n);
  }

  /** Set (or replace in place) a property; the node must exist. */
  setProperty(path: string, name: string, value: PropertyValue): DtProperty {
    const node = this.requireNode(path);
    const bytes = encodeValue(value);
    const old = node.props.find((p) => p.name === name);
    if (old) {
      old.value = bytes;
      old.markers = [];
      old.deleted = false;
      return old;
    }
    const prop = new DtProperty(name, bytes);
    node.props.push(prop);
    return prop;
  }

  getProperty(path: string, name: string): Uint8Array | undefined {
    return this.getNode(path)?.getProperty(name)?.value;
  }

  deleteProperty(path: string, name: string): void {
    const p = this.requireNode(path).getProperty(name);
    if (p) deleteProperty(p);
  }
}
