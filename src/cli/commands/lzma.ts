/** `nixwrt lzma IN OUT`: .lzma (alone) with the real size and no end marker; -d decodes. */
import { Command } from 'commander';
import { DEFAULT_PROPS, decodeLzmaAlone, encodeLzmaAlone } from '../../kernel/lzma/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { readInputFile, requireOutputPath } from '../../util/input-file.js';
import { parseBytes, parseSmallInt } from './kernel.js';

export function register(program: Command): void {
  program
    .command('lzma')
    .description('compress IN to OUT as an LZMA "alone" stream, as lzma_alone e (or decompress with -d)')
    .argument('<in>', 'input file')
    .argument('<out>', 'output file')
    .option('-d, --decompress', 'decode a .lzma stream instead')
    .option('--lc <n>', 'literal context bits', String(DEFAULT_PROPS.lc))
    .option('--lp <n>', 'literal position bits', String(DEFAULT_PROPS.lp))
    .option('--pb <n>', 'position bits', String(DEFAULT_PROPS.pb))
    .option('--dict <bytes>', 'dictionary size (e.g. 8m)', String(DEFAULT_PROPS.dictSize))
    .action(async (input: string, output: string, o: { decompress?: boolean; lc: string; lp: string; pb: string; dict: string }) => {
      await requireOutputPath(output, 'output file');
      const data = new Uint8Array(await readInputFile(input, 'input file'));
      const out = o.decompress
        ? decodeLzmaAlone(data)
        : encodeLzmaAlone(data, {
            lc: parseSmallInt(o.lc, '--lc'),
            lp: parseSmallInt(o.lp, '--lp'),
            pb: parseSmallInt(o.pb, '--pb'),
            dictSize: parseBytes(o.dict, '--dict'),
          });
      await writeFileAtomic(output, out);
    });
}
