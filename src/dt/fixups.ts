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

export function applyFixups(tree: DeviceTree): void {
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
    if (n.omitIfUnused && !n.referenced) deleteNode(n);
  });
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
