/**
 * Tree → DTS text (dtc -O dts for a blob): each value printed as strings when it is a list
 * of printable NUL-terminated strings, as <cells> when its length is a multiple of 4, else
 * as [bytes] — dtc's guess. Compiling the text again gives the same DTB.
 */
import type { DeviceTree, DtNode } from './tree.js';

function isPrintable(b: number): boolean {
  return b >= 0x20 && b < 0x7f;
}

function isStringList(v: Uint8Array): boolean {
  if (v.length === 0 || v[v.length - 1] !== 0) return false;
  let i = 0;
  while (i < v.length) {
    const start = i;
    while (i < v.length && v[i] !== 0 && isPrintable(v[i]!)) i++;
    if (v[i] !== 0 || i === start) return false;
    i++;
  }
  return true;
}

const ESC: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x22: '\\"', 0x5c: '\\\\' };

function quote(bytes: Uint8Array): string {
  let s = '"';
  for (const b of bytes) s += ESC[b] ?? (isPrintable(b) ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`);
  return s + '"';
}

export function formatValue(v: Uint8Array): string {
  if (v.length === 0) return '';
  if (isStringList(v)) {
    const parts: string[] = [];
    let start = 0;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === 0) {
        parts.push(quote(v.subarray(start, i)));
        start = i + 1;
      }
    }
    return parts.join(', ');
  }
  if (v.length % 4 === 0) {
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    const cells: string[] = [];
    for (let i = 0; i < v.length; i += 4) cells.push('0x' + dv.getUint32(i).toString(16));
    return `<${cells.join(' ')}>`;
  }
  return `[${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join(' ')}]`;
}

/** Pre-order with an explicit stack (any depth); a string on the stack is a closing line. */
function nodes(root: DtNode, out: string[]): void {
  const stack: (DtNode | string)[] = [root];
  const depth = new Map<DtNode, number>([[root, 0]]);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (typeof n === 'string') {
      out.push(n);
      continue;
    }
    const d = depth.get(n)!;
    const ind = '\t'.repeat(d);
    if (d > 0) out.push('');
    out.push(`${ind}${d === 0 ? '/' : n.name} {`);
    for (const p of n.props) {
      if (p.deleted) continue;
      const v = formatValue(p.value);
      out.push(v === '' ? `${ind}\t${p.name};` : `${ind}\t${p.name} = ${v};`);
    }
    stack.push(`${ind}};`);
    for (let i = n.children.length - 1; i >= 0; i--) {
      const c = n.children[i]!;
      if (c.deleted) continue;
      depth.set(c, d + 1);
      stack.push(c);
    }
  }
}

export function decompileTree(tree: DeviceTree): string {
  const out = ['/dts-v1/;', ''];
  for (const r of tree.memreserve) {
    out.push(`/memreserve/ 0x${r.address.toString(16).padStart(16, '0')} 0x${r.size.toString(16).padStart(16, '0')};`);
  }
  if (tree.memreserve.length > 0) out.push('');
  nodes(tree.root, out);
  return out.join('\n') + '\n';
}
