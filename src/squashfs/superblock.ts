import { MAGIC, SUPERBLOCK_SIZE, INVALID_TABLE } from './format.js';
import { SquashfsError } from './errors.js';

export interface Superblock {
  inodeCount: number;
  modificationTime: number;
  blockSize: number;
  fragmentCount: number;
  compressionId: number;
  blockLog: number;
  flags: number;
  idCount: number;
  versionMajor: number;
  versionMinor: number;
  /** Inode reference: (metadata block offset << 16) | offset in block. */
  rootInodeRef: bigint;
  bytesUsed: number;
  idTableStart: number;
  /** `undefined` when the image has no xattr table (all-ones on disk). */
  xattrIdTableStart: number | undefined;
  inodeTableStart: number;
  directoryTableStart: number;
  fragmentTableStart: number;
  exportTableStart: number | undefined;
}

function u64(v: number | undefined): bigint {
  return v === undefined ? INVALID_TABLE : BigInt(v);
}

export function encodeSuperblock(sb: Superblock): Uint8Array {
  const out = new Uint8Array(SUPERBLOCK_SIZE);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, sb.inodeCount, true);
  dv.setUint32(8, sb.modificationTime >>> 0, true);
  dv.setUint32(12, sb.blockSize, true);
  dv.setUint32(16, sb.fragmentCount, true);
  dv.setUint16(20, sb.compressionId, true);
  dv.setUint16(22, sb.blockLog, true);
  dv.setUint16(24, sb.flags, true);
  dv.setUint16(26, sb.idCount, true);
  dv.setUint16(28, sb.versionMajor, true);
  dv.setUint16(30, sb.versionMinor, true);
  dv.setBigUint64(32, sb.rootInodeRef, true);
  dv.setBigUint64(40, BigInt(sb.bytesUsed), true);
  dv.setBigUint64(48, BigInt(sb.idTableStart), true);
  dv.setBigUint64(56, u64(sb.xattrIdTableStart), true);
  dv.setBigUint64(64, BigInt(sb.inodeTableStart), true);
  dv.setBigUint64(72, BigInt(sb.directoryTableStart), true);
  dv.setBigUint64(80, BigInt(sb.fragmentTableStart), true);
  dv.setBigUint64(88, u64(sb.exportTableStart), true);
  return out;
}

/** Table offsets beyond 2^53 cannot be real on any image we read; reject them. */
function offset(dv: DataView, at: number, what: string, allowInvalid: boolean): number | undefined {
  const v = dv.getBigUint64(at, true);
  if (v === INVALID_TABLE) {
    if (allowInvalid) return undefined;
    throw new SquashfsError('bad-superblock', `superblock: ${what} is missing`);
  }
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new SquashfsError('bad-superblock', `superblock: ${what} ${v} is out of range`);
  return Number(v);
}

export function decodeSuperblock(bytes: Uint8Array): Superblock {
  if (bytes.length < SUPERBLOCK_SIZE) throw new SquashfsError('bad-superblock', `image is ${bytes.length} bytes, shorter than a superblock`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, SUPERBLOCK_SIZE);
  if (dv.getUint32(0, true) !== MAGIC) throw new SquashfsError('bad-magic', 'not a squashfs image (bad magic)');
  const sb: Superblock = {
    inodeCount: dv.getUint32(4, true),
    modificationTime: dv.getUint32(8, true),
    blockSize: dv.getUint32(12, true),
    fragmentCount: dv.getUint32(16, true),
    compressionId: dv.getUint16(20, true),
    blockLog: dv.getUint16(22, true),
    flags: dv.getUint16(24, true),
    idCount: dv.getUint16(26, true),
    versionMajor: dv.getUint16(28, true),
    versionMinor: dv.getUint16(30, true),
    rootInodeRef: dv.getBigUint64(32, true),
    bytesUsed: offset(dv, 40, 'bytes_used', false)!,
    idTableStart: offset(dv, 48, 'id table', false)!,
    xattrIdTableStart: offset(dv, 56, 'xattr table', true),
    inodeTableStart: offset(dv, 64, 'inode table', false)!,
    directoryTableStart: offset(dv, 72, 'directory table', false)!,
    fragmentTableStart: offset(dv, 80, 'fragment table', false)!,
    exportTableStart: offset(dv, 88, 'export table', true),
  };
  if (sb.versionMajor !== 4 || sb.versionMinor !== 0) {
    throw new SquashfsError('bad-version', `squashfs version ${sb.versionMajor}.${sb.versionMinor} is not 4.0`);
  }
  if (sb.blockLog < 12 || sb.blockLog > 20 || sb.blockSize !== 1 << sb.blockLog) {
    throw new SquashfsError('bad-superblock', `bad block size ${sb.blockSize} (log ${sb.blockLog})`);
  }
  return sb;
}
