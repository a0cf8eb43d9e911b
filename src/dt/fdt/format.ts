/**
 * Flattened device tree (DTB) layout, version 17: a 40-byte big-endian header, the memory
 * reservation map (16-byte address/size pairs ending with a zero pair), the structure block
 * (tokens below, names and values padded to 4 bytes) and the strings block (NUL-terminated
 * property names, shared by suffix).
 */
export const FDT_MAGIC = 0xd00dfeed;
export const FDT_VERSION = 17;
export const FDT_LAST_COMP_VERSION = 16;
export const FDT_HEADER_SIZE = 40;
export const FDT_RESERVE_ENTRY_SIZE = 16;

export const FDT_BEGIN_NODE = 1;
export const FDT_END_NODE = 2;
export const FDT_PROP = 3;
export const FDT_NOP = 4;
export const FDT_END = 9;

export interface FdtHeader {
  magic: number;
  totalsize: number;
  offDtStruct: number;
  offDtStrings: number;
  offMemRsvmap: number;
  version: number;
  lastCompVersion: number;
  bootCpuidPhys: number;
  sizeDtStrings: number;
  sizeDtStruct: number;
}

/** Header fields in on-disk order (each a big-endian u32). */
export const HEADER_FIELDS: (keyof FdtHeader)[] = [
  'magic',
  'totalsize',
  'offDtStruct',
  'offDtStrings',
  'offMemRsvmap',
  'version',
  'lastCompVersion',
  'bootCpuidPhys',
  'sizeDtStrings',
  'sizeDtStruct',
];
