/** DTS text through cpp and the compiler to a DTB; includes come from the in-memory test sources. */
import { compileDtsSource } from '../../../src/dt/index.js';
import { type FuzzTarget } from '../target.js';
import { DT_OPTIONS, dtsSeeds } from './dt-sources.js';

const target: FuzzTarget = {
  dictionary: [
    '/dts-v1/;\n', '/plugin/;\n', '/memreserve/ 0x1000 0x100;\n', '/delete-node/ ', '/delete-property/ ', '/bits/ 64 ', '/bits/ 8 ',
    '/include/ "part.dtsi"\n', '/incbin/("data.bin", 4, 8)', '#include "board.dtsi"\n', '#include <dt-bindings/test.h>\n',
    '#define F(a, b) a##b #a b\n', '#define X X\n', '#undef X\n', '#if defined(X) && 1 << 63\n', '#ifdef X\n', '#elif 0\n', '#else\n',
    '#endif\n', '#error stop\n', '#line 7 "x"\n', '__LINE__', '__FILE__', '\\\n', '/*', '*/', '//', 'lbl: ', '&lbl', '&{/n@1}', 'n@1 { };',
    '<(1 << 40) (-1) (7 / 0) (3 % 0) 0xffffffffffffffff (1 ? 2 : 3)>', '[00 11 22]', '"\\x4g\\777"', "'\\n'", ' = ', '{', '};',
  ],
  seeds: () => dtsSeeds().map((t) => Buffer.from(t, 'latin1')),
  async run(bytes) {
    await compileDtsSource(Buffer.from(bytes).toString('latin1'), DT_OPTIONS);
  },
};
export default target;
