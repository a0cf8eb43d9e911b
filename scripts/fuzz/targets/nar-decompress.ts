/**
 * decompress() then parseNar(), as a fetch does. The first byte picks the method (xz, zstd,
 * bzip2, none, gzip, br), the rest is the compressed NAR.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { COMPRESSIONS, decompress, parseNar } from '../../../src/nix/index.js';
import type { FuzzTarget } from '../target.js';
import { narSeeds } from './nar-trees.js';
import { FIXTURES, SEEDS } from './paths.js';

const tagged = (method: string, data: Uint8Array) => Buffer.concat([Buffer.from([COMPRESSIONS.indexOf(method as never)]), data]);

const target: FuzzTarget = {
  seeds() {
    const nars = narSeeds();
    const bz2 = readFileSync(join(SEEDS, 'tree.nar.bz2'));
    return [
      tagged('xz', readFileSync(join(FIXTURES, 'cache', 'nar', '0g1y0g14h6adw6c69rqch3zf082xkdrb3n5dx0bp1k2r7lbiya6f.nar.xz'))),
      tagged('zstd', readFileSync(join(FIXTURES, 'cache-zstd', 'nar', '157cpd014qrmm72g9xajajkf6q8gx7yhz6cylch3yxh7x73vaziv.nar.zst'))),
      tagged('bzip2', bz2),
      tagged('none', nars[4]!),
      tagged('gzip', gzipSync(nars[4]!, { level: 9 })),
      tagged('gzip', gzipSync(nars[1]!, { level: 1 })),
      tagged('br', brotliCompressSync(nars[4]!)),
    ];
  },
  async run(bytes) {
    const method = COMPRESSIONS[(bytes[0] ?? 0) % COMPRESSIONS.length]!;
    // Two pieces, so the decoders see a chunk boundary.
    const mid = Math.floor(bytes.length / 2);
    const pieces = [bytes.subarray(1, Math.max(1, mid)), bytes.subarray(Math.max(1, mid))];
    async function* source() {
      yield* pieces;
    }
    for await (const ev of parseNar(decompress(method, source()))) void ev;
  },
};
export default target;
