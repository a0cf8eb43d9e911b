/**
 * Legacy uImage: readUImage and the listing, on the input as is and again with both CRCs
 * made right (so mutations get past the checksums into the size table and the listing).
 */
import { crc32 } from '../../../src/kernel/crc32.js';
import { COMP_LZMA, TYPE_MULTI, TYPE_SCRIPT, describeUImage, readUImage, writeUImage } from '../../../src/kernel/uimage/index.js';
import { typedOk, utf8, type FuzzTarget } from '../target.js';

function withGoodCrcs(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 64) return bytes;
  const b = bytes.slice();
  const dv = new DataView(b.buffer);
  const size = dv.getUint32(12);
  dv.setUint32(24, crc32(b.subarray(64, 64 + size)));
  dv.setUint32(4, 0);
  dv.setUint32(4, crc32(b.subarray(0, 64)));
  return b;
}

const target: FuzzTarget = {
  seeds() {
    const opts = { time: 1700000000, load: 0x80000000, entry: 0x80000400, name: 'fuzz kernel' };
    return [
      writeUImage(utf8('kernel bytes '.repeat(20)), opts),
      writeUImage(utf8('\x5d\x00\x00\x80\x00lzma-ish'), { ...opts, comp: COMP_LZMA }),
      writeUImage([utf8('first image'), utf8('second'), utf8('3')], { ...opts, type: TYPE_MULTI }),
      writeUImage([utf8('echo boot script\nbootm\n')], { ...opts, type: TYPE_SCRIPT, name: 'script' }),
    ];
  },
  async run(bytes) {
    await typedOk(() => describeUImage(readUImage(bytes)));
    describeUImage(readUImage(withGoodCrcs(bytes)));
  },
};
export default target;
