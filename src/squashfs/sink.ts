/** Where image bytes go: a growing list of chunks, or a file written sequentially. */
import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export interface Sink {
  /** Bytes written so far (the next write's offset in the image). */
  readonly pos: number;
  write(bytes: Uint8Array): Promise<void>;
}

export class BufferSink implements Sink {
  readonly chunks: Uint8Array[] = [];
  pos = 0;
  async write(bytes: Uint8Array): Promise<void> {
    this.chunks.push(bytes);
    this.pos += bytes.length;
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.pos);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** Coalesces small writes into 1 MiB file writes. */
export class FileSink implements Sink {
  pos: number;
  private buf = new Uint8Array(1 << 20);
  private len = 0;
  private filePos: number;
  constructor(
    private readonly fh: FileHandle,
    start: number,
  ) {
    this.pos = start;
    this.filePos = start;
  }
  async write(bytes: Uint8Array): Promise<void> {
    this.pos += bytes.length;
    if (bytes.length >= this.buf.length) {
      await this.flush();
      await this.writeAll(bytes);
      return;
    }
    if (this.len + bytes.length > this.buf.length) await this.flush();
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }
  async flush(): Promise<void> {
    if (this.len === 0) return;
    await this.writeAll(this.buf.subarray(0, this.len));
    this.len = 0;
  }
  /**
   * Synchronous: a 1 MiB write to the page cache costs less than a thread-pool trip, and libuv's
   * pool may be busy compressing (src/squashfs/data.ts queues blocks there).
   */
  private async writeAll(b: Uint8Array): Promise<void> {
    let off = 0;
    while (off < b.length) {
      const n = writeSync(this.fh.fd, b, off, b.length - off, this.filePos);
      off += n;
      this.filePos += n;
    }
  }
}
