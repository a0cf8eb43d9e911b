/** Inode encodings (kernel squashfs_fs.h: squashfs_*_inode). */
import { InodeType, INVALID_XATTR, INVALID_FRAG } from './format.js';

export interface InodeBase {
  type: number;
  /** Permission bits only (mask 0o7777); the file type is in `type`. */
  mode: number;
  uidIdx: number;
  gidIdx: number;
  mtime: number;
  inodeNumber: number;
  /** Index of the inode's xattr list (extended types only); INVALID_XATTR for none. */
  xattr?: number;
}

export type Inode =
  | (InodeBase & { kind: 'dir'; startBlock: number; nlink: number; fileSize: number; offset: number; parent: number; index: DirIndex[] })
  | (InodeBase & { kind: 'file'; blocksStart: number; fragment: number; fragOffset: number; fileSize: number; sparse: number; nlink: number; blockSizes: number[] })
  | (InodeBase & { kind: 'symlink'; nlink: number; target: Uint8Array })
  | (InodeBase & { kind: 'dev'; nlink: number; rdev: number })
  | (InodeBase & { kind: 'ipc'; nlink: number });

export interface DirIndex {
  /** Byte offset of the header inside the directory listing. */
  index: number;
  /** Directory table block (relative) that holds it. */
  startBlock: number;
  name: Uint8Array;
}

function header(dv: DataView, b: InodeBase): void {
  dv.setUint16(0, b.type, true);
  dv.setUint16(2, b.mode & 0xfff, true);
  dv.setUint16(4, b.uidIdx, true);
  dv.setUint16(6, b.gidIdx, true);
  dv.setUint32(8, b.mtime >>> 0, true);
  dv.setUint32(12, b.inodeNumber, true);
}

export function encodeInode(ino: Inode): Uint8Array {
  let out: Uint8Array;
  let dv: DataView;
  const make = (n: number) => {
    out = new Uint8Array(n);
    dv = new DataView(out.buffer);
    header(dv, ino);
  };
  switch (ino.kind) {
    case 'dir':
      if (ino.type === InodeType.DIR) {
        make(32);
        dv!.setUint32(16, ino.startBlock, true);
        dv!.setUint32(20, ino.nlink, true);
        dv!.setUint16(24, ino.fileSize, true);
        dv!.setUint16(26, ino.offset, true);
        dv!.setUint32(28, ino.parent, true);
      } else {
        const isize = ino.index.reduce((n, e) => n + 12 + e.name.length, 0);
        make(40 + isize);
        dv!.setUint32(16, ino.nlink, true);
        dv!.setUint32(20, ino.fileSize, true);
        dv!.setUint32(24, ino.startBlock, true);
        dv!.setUint32(28, ino.parent, true);
        dv!.setUint16(32, ino.index.length, true);
        dv!.setUint16(34, ino.offset, true);
        dv!.setUint32(36, ino.xattr ?? INVALID_XATTR, true);
        let p = 40;
        for (const e of ino.index) {
          dv!.setUint32(p, e.index, true);
          dv!.setUint32(p + 4, e.startBlock, true);
          dv!.setUint32(p + 8, e.name.length - 1, true);
          out!.set(e.name, p + 12);
          p += 12 + e.name.length;
        }
      }
      break;
    case 'file': {
      const n = ino.blockSizes.length;
      if (ino.type === InodeType.REG) {
        make(32 + 4 * n);
        dv!.setUint32(16, ino.blocksStart, true);
        dv!.setUint32(20, ino.fragment, true);
        dv!.setUint32(24, ino.fragOffset, true);
        dv!.setUint32(28, ino.fileSize, true);
        for (let i = 0; i < n; i++) dv!.setUint32(32 + 4 * i, ino.blockSizes[i]!, true);
      } else {
        make(56 + 4 * n);
        dv!.setBigUint64(16, BigInt(ino.blocksStart), true);
        dv!.setBigUint64(24, BigInt(ino.fileSize), true);
        dv!.setBigUint64(32, BigInt(ino.sparse), true);
        dv!.setUint32(40, ino.nlink, true);
        dv!.setUint32(44, ino.fragment, true);
        dv!.setUint32(48, ino.fragOffset, true);
        dv!.setUint32(52, ino.xattr ?? INVALID_XATTR, true);
        for (let i = 0; i < n; i++) dv!.setUint32(56 + 4 * i, ino.blockSizes[i]!, true);
      }
      break;
    }
    case 'symlink':
      make(24 + ino.target.length + (ino.type === InodeType.LSYMLINK ? 4 : 0));
      dv!.setUint32(16, ino.nlink, true);
      dv!.setUint32(20, ino.target.length, true);
      out!.set(ino.target, 24);
      if (ino.type === InodeType.LSYMLINK) dv!.setUint32(24 + ino.target.length, ino.xattr ?? INVALID_XATTR, true);
      break;
    case 'dev':
      make(ino.type > 7 ? 28 : 24);
      dv!.setUint32(16, ino.nlink, true);
      dv!.setUint32(20, ino.rdev, true);
      if (ino.type > 7) dv!.setUint32(24, ino.xattr ?? INVALID_XATTR, true);
      break;
    case 'ipc':
      make(ino.type > 7 ? 24 : 20);
      dv!.setUint32(16, ino.nlink, true);
      if (ino.type > 7) dv!.setUint32(20, ino.xattr ?? INVALID_XATTR, true);
      break;
  }
  return out!;
}

export { INVALID_FRAG };
