/**
 * dtc's error-level structural checks, in dtc's order: duplicate node and property names,
 * node and property name characters, duplicate labels. Runs before the fixups; the first
 * failure is thrown with the position of the offending definition.
 */
import { DtError } from './errors.js';
import { DeviceTree, DtNode, DtProperty, forEachLive } from './tree.js';

const NODE_CHARS = /^[a-zA-Z0-9,._+\-@]*$/;
const PROP_CHARS = /^[a-zA-Z0-9,._+*#?\-]*$/;

export function checkTree(tree: DeviceTree): void {
  const root = tree.root;
  forEachLive(root, (n) => {
    const seen = new Set<string>();
    for (const c of n.liveChildren()) {
      if (seen.has(c.name)) throw new DtError('duplicate-node', `duplicate node name ${c.path}`, c.pos);
      seen.add(c.name);
    }
  });
  forEachLive(root, (n) => {
    const seen = new Set<string>();
    for (const p of n.liveProps()) {
      if (seen.has(p.name)) throw new DtError('duplicate-property', `duplicate property name ${p.name} in ${n.path}`, p.pos);
      seen.add(p.name);
    }
  });
  forEachLive(root, (n) => {
    if (!NODE_CHARS.test(n.name)) throw new DtError('bad-node-name', `bad character in node name ${JSON.stringify(n.name)} (${n.path})`, n.pos);
    if (n.name.indexOf('@') !== n.name.lastIndexOf('@')) throw new DtError('bad-node-name', `multiple '@' characters in node name ${n.path}`, n.pos);
  });
  forEachLive(root, (n) => {
    for (const p of n.liveProps()) {
      if (!PROP_CHARS.test(p.name)) throw new DtError('bad-property-name', `bad character in property name ${JSON.stringify(p.name)} in ${n.path}`, p.pos);
    }
  });
  checkDuplicateLabels(root);
}

function checkDuplicateLabels(root: DtNode): void {
  const owner = new Map<string, DtNode | DtProperty | string>();
  const claim = (label: string, who: DtNode | DtProperty | string, node: DtNode, prop?: DtProperty) => {
    const prev = owner.get(label);
    if (prev !== undefined && prev !== who) {
      throw new DtError('duplicate-label', `duplicate label '${label}' on ${node.path}${prop ? ` property ${prop.name}` : ''}`, prop?.pos ?? node.pos);
    }
    owner.set(label, who);
  };
  forEachLive(root, (n) => {
    for (const l of n.labels) if (!l.deleted) claim(l.name, n, n);
    for (const p of n.liveProps()) {
      for (const l of p.labels) if (!l.deleted) claim(l.name, p, n, p);
      p.markers.forEach((m, i) => {
        if (m.kind === 'label') claim(m.ref, `${n.path}\0${p.name}\0${i}`, n, p);
      });
    }
  });
}
