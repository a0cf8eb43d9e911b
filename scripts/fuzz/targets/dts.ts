/** DTS text through cpp and the compiler to a DTB; includes come from the in-memory test sources. */
import { compileDtsSource } from '../../../src/dt/index.js';
import { type FuzzTarget } from '../target.js';
import { DT_OPTIONS, dtsSeeds } from './dt-sources.js';

const target: FuzzTarget = {
  seeds: () => dtsSeeds().map((t) => Buffer.from(t, 'latin1')),
  async run(bytes) {
    await compileDtsSource(Buffer.from(bytes).toString('latin1'), DT_OPTIONS);
  },
};
export default target;
