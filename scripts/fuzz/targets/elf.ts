/** ELF: headers, the objcopy -O binary image, dynamic entries and the MIPS rld-map check. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkMipsRldMapRel, dynamicEntries, elfToRaw, readElf } from '../../../src/kernel/elf/index.js';
import { typedOk, type FuzzTarget } from '../target.js';
import { SEEDS } from './paths.js';

const target: FuzzTarget = {
  // Linked by binutils from test/kernel/elf-samples.ts (committed: the fuzzer runs without binutils).
  seeds: () => readdirSync(join(SEEDS, 'elf')).sort().map((n) => new Uint8Array(readFileSync(join(SEEDS, 'elf', n)))),
  async run(bytes) {
    const elf = readElf(bytes);
    await typedOk(() => dynamicEntries(elf));
    await typedOk(() => checkMipsRldMapRel(elf));
    elfToRaw(elf);
  },
};
export default target;
