/**
 * `nixwrt dtc`: the device tree compiler. Flags follow dtc: -I/-O are the input/output
 * formats (dts|dtb), -i adds an include directory (for cpp's #include and dtc's /include/),
 * -b sets the boot CPU, -@ adds __symbols__. Unlike dtc, DTS input runs through the C preprocessor first
 * (as the kernel's build does; --no-cpp to skip), so -D defines macros.
 */
import type { Command } from 'commander';
import { compileDtsFile, decompile, parseDtb, toDtb, type DeviceTree } from '../../dt/index.js';
import { DtError } from '../../dt/errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { readInputFile, requireInputFile, requireOutputPath } from '../../util/input-file.js';

interface DtcFlags {
  inFormat?: string;
  outFormat?: string;
  out?: string;
  include: string[];
  define: string[];
  bootCpu?: string;
  bootargs?: string;
  cpp: boolean;
  symbols?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function format(name: string | undefined, flag: string): 'dts' | 'dtb' | undefined {
  if (name === undefined) return undefined;
  if (name === 'dts' || name === 'dtb') return name;
  throw new DtError('syntax', `${flag} ${name}: format must be dts or dtb`);
}

export function register(program: Command): void {
  program
    .command('dtc')
    .description('compile DTS to DTB (byte-identical to dtc 1.6.1), or decompile DTB to DTS')
    .argument('<input>', 'input .dts or .dtb file')
    .option('-I, --in-format <fmt>', 'input format: dts or dtb (default: by extension)')
    .option('-O, --out-format <fmt>', 'output format: dtb or dts (default: dtb for DTS input, dts for DTB input)')
    .option('-o, --out <file>', 'output file (default: stdout)')
    .option('-i, --include <dir>', 'add a directory to the include search path (repeatable)', collect, [])
    .option('-D, --define <name[=value]>', 'define a preprocessor macro (repeatable)', collect, [])
    .option('-b, --boot-cpu <n>', 'physical boot CPU id in the header (default: reg of the first /cpus child)')
    .option('--bootargs <str>', 'set /chosen/bootargs (creating /chosen if needed)')
    .option('--no-cpp', 'do not run the C preprocessor on DTS input')
    .option('-@, --symbols', 'add a /__symbols__ node (labels to paths) so overlays can be applied to this tree')
    .action(async (input: string, flags: DtcFlags) => {
      const inFmt = format(flags.inFormat, '-I') ?? (input.endsWith('.dtb') ? 'dtb' : 'dts');
      const outFmt = format(flags.outFormat, '-O') ?? (inFmt === 'dtb' ? 'dts' : 'dtb');
      if (flags.out !== undefined) await requireOutputPath(flags.out, 'output');
      let tree: DeviceTree;
      if (inFmt === 'dtb') {
        tree = parseDtb(await readInputFile(input, 'input DTB'));
      } else {
        await requireInputFile(input, 'input DTS');
        tree = (await compileDtsFile(input, { includeDirs: flags.include, defines: flags.define, cpp: flags.cpp, symbols: flags.symbols === true })).tree;
      }
      if (flags.bootCpu !== undefined) {
        const n = Number(flags.bootCpu);
        if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new DtError('value-out-of-range', `-b ${flags.bootCpu}: not a CPU id`);
        tree.bootCpuid = n;
      }
      if (flags.bootargs !== undefined) {
        tree.addNode('/chosen');
        tree.setProperty('/chosen', 'bootargs', flags.bootargs);
      }
      const bytes = outFmt === 'dtb' ? toDtb(tree) : Buffer.from(decompile(tree), 'latin1');
      if (flags.out === undefined || flags.out === '-') process.stdout.write(bytes);
      else await writeFileAtomic(flags.out, bytes);
    });
}
