/**
 * dtc's tree fixups, in dtc's order: drop redundant `name` properties, take explicit
 * phandles, fill phandle references (allocating phandles from 1, pre-order, on first
 * reference, appending a `phandle` property), insert path references, then delete
 * /omit-if-no-ref/ nodes nobody referenced.
 */
import { DtError } from './errors.js';
import { DeviceTree, DtNode, DtProperty, deleteNode, forEachLive, nodeByRef } from './tree.js';

function cell(p: DtProperty): number {
  return new DataView(p.value.buffer, p.value.byteOffset, 4).getUint32(0);
}

export interface FixupOptions {
  /** dtc -@: a /__symbols__ node mapping every label to its node's path (each such node gets a phandle). */
  symbols?: boolean;
}

/**
 * dtc's fixups in dtc's order, then (dtc.c after process_checks) `__symbols__` with -@, and
 * for /plugin/ overlays `__fixups__` (references left for the base tree to resolve) and
 * `__local_fixups__` (where this blob holds its own phandles, so they can be renumbered).
 */
export function applyFixups(tree: DeviceTree, opts: FixupOptions = {}): void {
  const root = tree.root;
  forEachLive(root, dropNameProperty);

  const used = new Map<number, DtNode>();
  forEachLive(root, (n) => explicitPhandle(tree, n, used));

  const phandleOf = (n: DtNode): number => {
    if (n.phandle !== 0 && n.phandle !== 0xffffffff) return n.phandle;
    while (used.has(tree.nextPhandle)) tree.nextPhandle++;
    const ph = tree.nextPhandle;
    n.phandle = ph;
    used.set(ph, n);
    if (!n.getProperty('phandle')) {
      const v = new Uint8Array(4);
      new DataView(v.buffer).setUint32(0, ph);
      n.props.push(new DtProperty('phandle', v));
    }
    return ph;
  };

  forEachLive(root, (n) => {
    for (const p of n.props) {
      if (p.deleted) continue;
      for (const m of p.markers) {
        if (m.kind !== 'phandle') continue;
        const target = nodeByRef(root, m.ref);
        if (!target) {
          if (tree.plugin) continue;
          throw new DtError('undefined-label', `reference to non-existent node or label "${m.ref}" in ${n.path} property ${p.name}`, m.pos ?? p.pos);
        }
        const ph = phandleOf(target);
        new DataView(p.value.buffer, p.value.byteOffset).setUint32(m.offset, ph);
        target.referenced = true;
      }
    }
  });

  forEachLive(root, (n) => {
    for (const p of n.props) {
      if (p.deleted) continue;
      for (let i = 0; i < p.markers.length; i++) {
        const m = p.markers[i]!;
        if (m.kind !== 'path') continue;
        const target = nodeByRef(root, m.ref);
        if (!target) {
          throw new DtError('undefined-label', `reference to non-existent node or label "${m.ref}" in ${n.path} property ${p.name}`, m.pos ?? p.pos);
        }
        const ins = new TextEncoder().encode(target.path + '\0');
        const v = new Uint8Array(p.value.length + ins.length);
        v.set(p.value.subarray(0, m.offset));
        v.set(ins, m.offset);
        v.set(p.value.subarray(m.offset), m.offset + ins.length);
        p.value = v;
        for (let k = i + 1; k < p.markers.length; k++) p.markers[k]!.offset += ins.length;
        target.referenced = true;
      }
    }
  });

  forEachLive(root, (n) => {
    // with -@ a labelled node may be wanted by an overlay: dtc keeps it (even if its labels
    // were all deleted)
    if (opts.symbols && n.labels.length > 0) return;
    if (n.omitIfUnused && !n.referenced) deleteNode(n);
  });
  // dtc finds a free phandle by searching the live tree: the omitted nodes' numbers are free
  used.clear();
  forEachLive(root, (n) => {
    if (n.phandle !== 0 && n.phandle !== 0xffffffff) used.set(n.phandle, n);
  });

  if (opts.symbols) generateSymbols(tree, phandleOf);
  if (tree.plugin) {
    generateFixups(tree);
    generateLocalFixups(tree);
  }
}

/** dtc's build_root_node: the live child of / with that name, else a new one at the end. */
function rootChild(root: DtNode, name: string): DtNode {
  const old = root.getChild(name);
  if (old) return old;
  const n = new DtNode(name);
  root.addChild(n);
  return n;
}

/** dtc's append_to_property: extend a live property's value, or add it at the end. */
function appendToProperty(node: DtNode, name: string, data: Uint8Array): void {
  const p = node.getProperty(name);
  if (!p) {
    node.props.push(new DtProperty(name, data));
    return;
  }
  const v = new Uint8Array(p.value.length + data.length);
  v.set(p.value);
  v.set(data, p.value.length);
  p.value = v;
}

const enc = new TextEncoder();

/**
 * dtc's generate_label_tree(dti, "__symbols__", true): for each live node in pre-order with
 * a label list (even one whose labels are all deleted), each live label not yet a property
 * becomes `label = "/path"`, and the node gets a phandle.
 */
function generateSymbols(tree: DeviceTree, phandleOf: (n: DtNode) => number): void {
  const root = tree.root;
  let any = false;
  forEachLive(root, (n) => {
    if (n.labels.length > 0) any = true;
  });
  if (!any) return;
  const sym = rootChild(root, '__symbols__');
  forEachLive(root, (n) => {
    if (n.labels.length === 0) return;
    for (const l of n.labels) {
      if (l.deleted || sym.getProperty(l.name)) continue; // dtc warns and keeps the first
      sym.props.push(new DtProperty(l.name, enc.encode(n.path + '\0')));
    }
    phandleOf(n);
  });
}

/** Every live phandle reference, pre-order (nodes, then properties, then markers). */
function forEachPhandleRef(root: DtNode, fn: (n: DtNode, p: DtProperty, offset: number, ref: string) => void): void {
  forEachLive(root, (n) => {
    for (const p of n.props) {
      if (p.deleted) continue;
      for (const m of p.markers) if (m.kind === 'phandle') fn(n, p, m.offset, m.ref);
    }
  });
}

/** `__fixups__`: for each unresolved label, "path:property:offset" strings, one per use. */
function generateFixups(tree: DeviceTree): void {
  const root = tree.root;
  const refs: [DtNode, DtProperty, number, string][] = [];
  forEachPhandleRef(root, (n, p, off, ref) => {
    if (!nodeByRef(root, ref)) refs.push([n, p, off, ref]);
  });
  if (refs.length === 0) return;
  const fn = rootChild(root, '__fixups__');
  for (const [n, p, off, ref] of refs) appendToProperty(fn, ref, enc.encode(`${n.path}:${p.name}:${off}\0`));
}

/**
 * `__local_fixups__`: a tree mirroring the paths of nodes whose properties hold resolved
 * phandles, each property listing the byte offsets (32-bit cells) of those phandles.
 */
function generateLocalFixups(tree: DeviceTree): void {
  const root = tree.root;
  const refs: [DtNode, DtProperty, number][] = [];
  forEachPhandleRef(root, (n, p, off, ref) => {
    if (nodeByRef(root, ref)) refs.push([n, p, off]);
  });
  if (refs.length === 0) return;
  const lfn = rootChild(root, '__local_fixups__');
  for (const [n, p, off] of refs) {
    const names: string[] = [];
    for (let w: DtNode | null = n; w?.parent; w = w.parent) names.push(w.name);
    let w = lfn;
    for (let i = names.length - 1; i >= 0; i--) {
      let c = w.getChild(names[i]!);
      if (!c) {
        c = new DtNode(names[i]!);
        w.addChild(c);
      }
      w = c;
    }
    const cell = new Uint8Array(4);
    new DataView(cell.buffer).setUint32(0, off);
    appendToProperty(w, p.name, cell);
  }
}

/** A `name` property equal to the node's base name is redundant: dtc removes it outright. */
function dropNameProperty(n: DtNode): void {
  const i = n.props.findIndex((p) => p.name === 'name');
  if (i < 0) return;
  const p = n.props[i]!;
  const base = new TextEncoder().encode(n.basename);
  const same = p.value.length === base.length + 1 && base.every((b, k) => p.value[k] === b);
  if (!same) throw new DtError('bad-property-name', `"name" property of ${n.path} differs from the node's base name`, p.pos);
  n.props.splice(i, 1);
}

function explicitPhandle(tree: DeviceTree, n: DtNode, used: Map<number, DtNode>): void {
  const read = (name: string): number => {
    const p = n.getProperty(name);
    if (!p) return 0;
    if (p.value.length !== 4) throw new DtError('bad-phandle', `bad length (${p.value.length}) ${name} property in ${n.path}`, p.pos);
    const ref = p.markers.find((m) => m.kind === 'phandle');
    if (ref) {
      if (nodeByRef(tree.root, ref.ref) !== n) throw new DtError('bad-phandle', `${name} of ${n.path} is a reference to another node`, p.pos);
      return 0; // `phandle = <&self>`: allocate one later
    }
    const v = cell(p);
    if (v === 0 || v === 0xffffffff) throw new DtError('bad-phandle', `bad value (0x${v.toString(16)}) in ${name} property of ${n.path}`, p.pos);
    return v;
  };
  let ph = read('phandle');
  const legacy = read('linux,phandle');
  if (!ph && !legacy) return;
  if (ph && legacy && ph !== legacy) throw new DtError('bad-phandle', `mismatching 'phandle' and 'linux,phandle' properties in ${n.path}`, n.pos);
  if (!ph) ph = legacy;
  const other = used.get(ph);
  if (other && other !== n) throw new DtError('bad-phandle', `duplicated phandle 0x${ph.toString(16)} in ${n.path} (seen before at ${other.path})`, n.pos);
  n.phandle = ph;
  used.set(ph, n);
}
