/** FIT: readFit (hash checks included) and its listing. */
import { compileDtsSource } from '../../../src/dt/index.js';
import { buildFit, describeFit, readFit } from '../../../src/kernel/index.js';
import { ARCH_MIPS, COMP_LZMA, COMP_NONE } from '../../../src/kernel/uimage/index.js';
import { utf8, type FuzzTarget } from '../target.js';

const target: FuzzTarget = {
  async seeds() {
    const { dtb } = await compileDtsSource('/dts-v1/;\n/ { model = "fuzz"; #address-cells = <1>; memory@0 { reg = <0 0x1000>; }; };\n');
    const base = { time: 1700000000, load: 0x80000000, entry: 0x80000400, name: 'fuzz', arch: ARCH_MIPS };
    return [
      buildFit({ ...base, kernel: utf8('kernel '.repeat(30)), comp: COMP_NONE, dtb }),
      buildFit({ ...base, kernel: utf8('\x5d\x00\x00\x80\x00packed'), comp: COMP_LZMA }),
    ];
  },
  run(bytes) {
    describeFit(readFit(bytes));
  },
};
export default target;
