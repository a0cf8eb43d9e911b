/** The LZMA "alone" decoder with its default limits, as `nixwrt lzma -d` runs it. */
import { decodeLzmaAlone, encodeLzmaAlone } from '../../../src/kernel/lzma/index.js';
import { utf8, type FuzzTarget } from '../target.js';

const target: FuzzTarget = {
  seeds() {
    const text = utf8('the quick brown fox jumps over the lazy dog; '.repeat(40));
    const bin = new Uint8Array(600).map((_, i) => (i * 7919) & 0xff ^ (i >> 3));
    return [
      encodeLzmaAlone(text, { matchFinderThread: false }),
      encodeLzmaAlone(text, { mode: 'fast', lc: 0, lp: 2, pb: 2, dictSize: 1 << 16, matchFinderThread: false }),
      encodeLzmaAlone(bin, { lc: 4, lp: 0, pb: 0, matchFinderThread: false }),
      encodeLzmaAlone(new Uint8Array(0), { matchFinderThread: false }),
      encodeLzmaAlone(new Uint8Array(3000), { matchFinderThread: false }),
    ];
  },
  run(bytes) {
    decodeLzmaAlone(bytes);
  },
};
export default target;
