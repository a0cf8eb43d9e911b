/**
 * DTB reader: validates the header and block bounds, rebuilds a DeviceTree, then runs what
 * `dtc -I dtb` runs on it (the error checks and fixups), so a blob dtc refuses is refused here
 * with the same kind of typed error. Blobs dtc takes but cannot give back as DTS that compiles
 * (a named root, an empty node or property name, properties after subnodes) are refused too:
 * everything this reader accepts decompiles to DTS that compiles to the same blob.
 */
import { checkTree } from '../checks.js';
import { DtError } from '../errors.js';
import { applyFixups } from '../fixups.js';
import { DeviceTree, DtNode, DtProperty, MAX_NODE_DEPTH } from '../tree.js';
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER_SIZE,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
  HEADER_FIELDS,
  type FdtHeader,
} from './format.js';

function bad(msg: string): never {
  throw new DtError('bad-dtb', `invalid DTB: ${msg}`);
}

export function readHeader(bytes: Uint8Array): FdtHeader {
  if (bytes.length < FDT_HEADER_SIZE) bad(`${bytes.length} bytes is shorter than the ${FDT_HEADER_SIZE}-byte header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = {} as FdtHeader;
  HEADER_FIELDS.forEach((f, i) => (h[f] = dv.getUint32(i * 4)));
  if (h.magic !== FDT_MAGIC) bad(`bad magic 0x${h.magic.toString(16)} (want 0xd00dfeed)`);
  if (h.version < 16 || h.lastCompVersion > 17) bad(`unsupported version ${h.version} (last compatible ${h.lastCompVersion})`);
  if (h.totalsize > bytes.length) bad(`totalsize ${h.totalsize} exceeds the ${bytes.length} bytes given`);
  const inside = (off: number, size: number) => off <= h.totalsize && size <= h.totalsize - off;
  if (!inside(h.offDtStruct, h.sizeDtStruct)) bad('structure block outside the blob');
  if (!inside(h.offDtStrings, h.sizeDtStrings)) bad('strings block outside the blob');
  if (h.offMemRsvmap % 8 !== 0 || !inside(h.offMemRsvmap, 16)) bad('reservation map misplaced');
  return h;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Parse DTB bytes into a tree (no labels; phandles taken from `phandle` properties). */
export function readDtb(bytes: Uint8Array): DeviceTree {
  const h = readHeader(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tree = new DeviceTree();
  tree.bootCpuid = h.bootCpuidPhys;

  for (let off = h.offMemRsvmap; ; off += 16) {
    if (off + 16 > h.totalsize) bad('reservation map not terminated');
    const address = dv.getBigUint64(off);
    const size = dv.getBigUint64(off + 8);
    if (address === 0n && size === 0n) break;
    tree.memreserve.push({ address, size });
  }

  const strEnd = h.offDtStrings + h.sizeDtStrings;
  const stringAt = (nameoff: number): string => {
    const start = h.offDtStrings + nameoff;
    if (nameoff >= h.sizeDtStrings) bad(`property name offset ${nameoff} outside the strings block`);
    const nul = bytes.indexOf(0, start);
    if (nul < 0 || nul >= strEnd) bad(`unterminated property name at strings offset ${nameoff}`);
    return utf8.decode(bytes.subarray(start, nul));
  };

  const end = h.offDtStruct + h.sizeDtStruct;
  let off = h.offDtStruct;
  const u32 = (): number => {
    if (off + 4 > end) bad('structure block ends inside a token');
    const v = dv.getUint32(off);
    off += 4;
    return v;
  };
  const stack: DtNode[] = [];
  let sawRoot = false;
  for (;;) {
    const tokOff = off;
    const tok = u32();
    if (tok === FDT_BEGIN_NODE) {
      const nul = bytes.indexOf(0, off);
      if (nul < 0 || nul >= end) bad(`unterminated node name at offset ${off}`);
      const name = utf8.decode(bytes.subarray(off, nul));
      off = (nul + 4) & ~3;
      const node = stack.length === 0 ? tree.root : new DtNode(name);
      if (stack.length === 0) {
        if (sawRoot) bad('more than one root node');
        if (name !== '') throw new DtError('bad-node-name', `invalid DTB: the root node has a name (${JSON.stringify(name)}); DTS cannot express that`);
        sawRoot = true;
      } else {
        if (name === '') throw new DtError('bad-node-name', `invalid DTB: empty node name under ${stack[stack.length - 1]!.path}`);
        if (stack.length >= MAX_NODE_DEPTH) throw new DtError('too-deep', `invalid DTB: nodes nested more than ${MAX_NODE_DEPTH} deep`);
        stack[stack.length - 1]!.addChild(node);
      }
      stack.push(node);
    } else if (tok === FDT_PROP) {
      if (stack.length === 0) bad(`property outside any node at offset ${tokOff}`);
      const len = u32();
      const nameoff = u32();
      if (off + len > end) bad(`property value runs past the structure block at offset ${tokOff}`);
      const prop = new DtProperty(stringAt(nameoff), bytes.slice(off, off + len));
      off = (off + len + 3) & ~3;
      const node = stack[stack.length - 1]!;
      if (node.children.length > 0) {
        // dtc warns ("subnodes preceding a property") and moves it before them
        bad(`property ${prop.name} of ${node.path} comes after its subnodes (offset ${tokOff})`);
      }
      if (prop.name === '') throw new DtError('bad-property-name', `invalid DTB: empty property name in ${node.path} (offset ${tokOff})`);
      node.props.push(prop);
      if ((prop.name === 'phandle' || prop.name === 'linux,phandle') && len === 4 && node.phandle === 0) {
        node.phandle = new DataView(prop.value.buffer).getUint32(0);
      }
    } else if (tok === FDT_END_NODE) {
      if (stack.length === 0) bad(`unbalanced END_NODE at offset ${tokOff}`);
      stack.pop();
    } else if (tok === FDT_NOP) {
      continue;
    } else if (tok === FDT_END) {
      if (stack.length !== 0) bad('END before all nodes were closed');
      break;
    } else {
      bad(`unknown token 0x${tok.toString(16)} at offset ${tokOff}`);
    }
  }
  if (!sawRoot) bad('no root node');
  // dtc's error checks and fixups, as `dtc -I dtb` runs them: bad names, duplicates, bad
  // phandles are refused; a `name` property equal to the node's name is dropped
  checkTree(tree);
  applyFixups(tree);
  return tree;
}
