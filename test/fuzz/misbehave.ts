/** A fuzz target that misbehaves on request, for the harness's own test. Byte 0 picks: */
import { SquashfsError } from '../../src/squashfs/index.js';
import type { FuzzTarget } from '../../scripts/fuzz/target.js';

const target: FuzzTarget = {
  seeds: () => [new Uint8Array([0])],
  run(bytes) {
    switch (bytes[0]) {
      case 1: // a typed error
        throw new SquashfsError('bad-magic', 'not a squashfs image');
      case 2: // an untyped one
        return (undefined as unknown as { x: number }).x;
      case 3: // a code alone does not make an error typed
        throw Object.assign(new Error('has a code, but is not ours'), { code: 'ENOENT' });
      case 4: // a hang (blocked, not spinning: the test costs no CPU while it waits)
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
        return undefined;
      case 5: {
        // heap exhaustion: the worker's heap limit ends it
        const keep: number[][] = [];
        for (;;) keep.push(new Array(1 << 16).fill(1.5));
      }
      default:
        return undefined;
    }
  },
};
export default target;
