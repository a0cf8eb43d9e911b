/**
 * Directory listings as mksquashfs lays them out: runs of entries behind a 12-byte header
 * (count-1, inode block, base inode number), a new header when 256 entries are reached,
 * the inode block changes, the inode number delta leaves s16, or the run would cross an
 * 8 KiB boundary since the last index point (which then gets an index entry).
 */
import { METADATA_SIZE } from './format.js';

export interface ListingIndex {
  index: number;
  name: Uint8Array;
}

export class DirListing {
  private buf = new Uint8Array(1024);
  private p = 0;
  private entryCount = 256;
  private entryCountP = -1;
  private startBlock = 0;
  private inodeNumber = 0;
  private indexCountP = 0;
  readonly index: ListingIndex[] = [];

  add(inodeBlock: number, inodeOffset: number, inodeNumber: number, name: Uint8Array, type: number): void {
    const size = name.length;
    this.ensure(this.p + 8 + size + 12);
    const delta = inodeNumber - this.inodeNumber;
    const crosses = this.entryCountP >= 0 && this.p + 8 + size - this.indexCountP > METADATA_SIZE;
    if (this.entryCount === 256 || inodeBlock !== this.startBlock || crosses || delta > 32767 || delta < -32768) {
      if (this.entryCountP >= 0) {
        if (crosses) {
          this.index.push({ index: this.p, name });
          this.indexCountP = this.p;
        }
        this.patchHeader();
      }
      this.entryCountP = this.p;
      this.startBlock = inodeBlock;
      this.entryCount = 0;
      this.inodeNumber = inodeNumber;
      this.p += 12;
    }
    const dv = new DataView(this.buf.buffer);
    dv.setUint16(this.p, inodeOffset, true);
    dv.setInt16(this.p + 2, inodeNumber - this.inodeNumber, true);
    dv.setUint16(this.p + 4, type, true);
    dv.setUint16(this.p + 6, size - 1, true);
    this.buf.set(name, this.p + 8);
    this.p += 8 + size;
    this.entryCount++;
  }

  private patchHeader(): void {
    const dv = new DataView(this.buf.buffer);
    dv.setUint32(this.entryCountP, this.entryCount - 1, true);
    dv.setUint32(this.entryCountP + 4, this.startBlock, true);
    dv.setUint32(this.entryCountP + 8, this.inodeNumber, true);
  }

  private ensure(n: number): void {
    if (n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(n, this.buf.length * 2));
    b.set(this.buf.subarray(0, this.p));
    this.buf = b;
  }

  /** The finished listing bytes. */
  bytes(): Uint8Array {
    if (this.entryCountP >= 0) this.patchHeader();
    return this.buf.subarray(0, this.p);
  }
}
