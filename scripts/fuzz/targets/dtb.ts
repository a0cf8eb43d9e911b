/** DTB bytes → tree → DTS text → DTB again (the inspect and tree-edit paths). */
import { compileDtsSource, decompile, parseDtb, toDtb } from '../../../src/dt/index.js';
import type { FuzzTarget } from '../target.js';
import { DT_OPTIONS, dtsSeeds } from './dt-sources.js';

const target: FuzzTarget = {
  async seeds() {
    const out: Uint8Array[] = [];
    for (const t of dtsSeeds()) out.push((await compileDtsSource(t, DT_OPTIONS)).dtb);
    return out;
  },
  run(bytes) {
    const tree = parseDtb(bytes);
    decompile(tree);
    toDtb(tree);
  },
};
export default target;
