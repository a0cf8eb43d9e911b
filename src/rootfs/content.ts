import { open } from 'node:fs/promises';
import { proveNar } from '../nix/nar-proof.js';
import type { ContentSource } from './tree.js';
import { fsPath } from '../util/byte-string.js';

/**
 * Read a content source as chunks of at most `chunkSize` bytes (the last may be shorter).
 * This is the I/O edge for file contents: memory stays bounded by the chunk size.
 */
export async function* readContent(src: ContentSource, chunkSize: number): AsyncGenerator<Uint8Array> {
  if (src.kind === 'bytes') {
    for (let i = 0; i < src.data.length; i += chunkSize) yield src.data.subarray(i, i + chunkSize);
    return;
  }
  const path = src.kind === 'host-file' ? src.path : src.narPath;
  // A NAR's bytes are used only once the whole NAR matched its NarHash (nix/nar-proof.ts).
  if (src.kind === 'nar-slice' && src.narHash) await proveNar(src.narPath, src.narHash);
  const base = src.kind === 'host-file' ? 0 : src.offset;
  const fh = await open(fsPath(path), 'r');
  try {
    for (let done = 0; done < src.size; ) {
      const want = Math.min(chunkSize, src.size - done);
      const buf = new Uint8Array(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await fh.read(buf, got, want - got, base + done + got);
        if (bytesRead === 0) throw new Error(`${path}: unexpected end of file at byte ${base + done + got}`);
        got += bytesRead;
      }
      done += want;
      yield buf;
    }
  } finally {
    await fh.close();
  }
}
