/** `nixwrt kernel`: vmlinux → raw → (+DTB) → LZMA → uImage (or FIT with --fit). */
import { Command } from 'commander';
import { buildKernelImage } from '../../kernel/index.js';
import { DEFAULT_PROPS } from '../../kernel/lzma/index.js';
import { UImageError } from '../../kernel/uimage/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { readInputFile, requireOutputPath } from '../../util/input-file.js';
import { parseHexAddress, sourceDateEpoch } from './mkimage.js';

/** A count of bytes: decimal, with an optional k/m suffix (KiB/MiB). */
export function parseBytes(text: string, what: string): number {
  const m = /^(\d+)([kKmM]?)(?:i?B)?$/.exec(text.trim());
  if (!m) throw new UImageError('uimage-bad-field', `invalid ${what} '${text}' (bytes, e.g. 8388608 or 8m)`);
  const unit = m[2]!.toLowerCase() === 'k' ? 1024 : m[2]!.toLowerCase() === 'm' ? 1024 * 1024 : 1;
  return Number(m[1]) * unit;
}

export function parseSmallInt(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UImageError('uimage-bad-field', `invalid ${what} '${text}' (a small integer)`);
  return Number(text);
}

interface Opts {
  output: string;
  dtb?: string;
  load?: string;
  entry?: string;
  name: string;
  lzmaLc?: string;
  lzmaLp?: string;
  lzmaPb?: string;
  lzmaDict?: string;
  compression: string;
  fit?: boolean;
}

export function register(program: Command): void {
  program
    .command('kernel')
    .description('package a vmlinux ELF as a U-Boot image: objcopy -O binary, appended DTB, LZMA, uImage or FIT')
    .argument('<vmlinux>', 'kernel ELF')
    .requiredOption('-o, --output <file>', 'image to write')
    .option('--dtb <file>', 'device tree blob: appended to the raw kernel (uImage) or a FIT fdt image')
    .option('--load <addr>', 'load address, hex (default: the lowest LMA in the ELF)')
    .option('--entry <addr>', 'entry point, hex (default: the ELF entry point)')
    .option('--name <name>', 'image name', 'Linux')
    .option('--lzma-lc <n>', `LZMA literal context bits (default ${DEFAULT_PROPS.lc})`)
    .option('--lzma-lp <n>', `LZMA literal position bits (default ${DEFAULT_PROPS.lp})`)
    .option('--lzma-pb <n>', `LZMA position bits (default ${DEFAULT_PROPS.pb})`)
    .option('--lzma-dict <bytes>', `LZMA dictionary size (default ${DEFAULT_PROPS.dictSize})`)
    .option('--compression <kind>', 'lzma or none', 'lzma')
    .option('--fit', 'write a FIT (.itb) with kernel, fdt and a configuration instead of a legacy uImage')
    .action(async (vmlinux: string, o: Opts) => {
      if (o.compression !== 'lzma' && o.compression !== 'none') {
        throw new UImageError('uimage-bad-field', `--compression must be lzma or none, not '${o.compression}'`);
      }
      const lzma = {
        lc: o.lzmaLc === undefined ? DEFAULT_PROPS.lc : parseSmallInt(o.lzmaLc, '--lzma-lc'),
        lp: o.lzmaLp === undefined ? DEFAULT_PROPS.lp : parseSmallInt(o.lzmaLp, '--lzma-lp'),
        pb: o.lzmaPb === undefined ? DEFAULT_PROPS.pb : parseSmallInt(o.lzmaPb, '--lzma-pb'),
        dictSize: o.lzmaDict === undefined ? DEFAULT_PROPS.dictSize : parseBytes(o.lzmaDict, '--lzma-dict'),
      };
      await requireOutputPath(o.output, 'output image');
      const r = await buildKernelImage({
        vmlinux: new Uint8Array(await readInputFile(vmlinux, 'kernel ELF')),
        dtb: o.dtb === undefined ? undefined : new Uint8Array(await readInputFile(o.dtb, '--dtb device tree blob')),
        load: o.load === undefined ? undefined : parseHexAddress(o.load, 'load address'),
        entry: o.entry === undefined ? undefined : parseHexAddress(o.entry, 'entry point'),
        name: o.name,
        lzma,
        compression: o.compression,
        fit: o.fit ?? false,
        time: sourceDateEpoch(),
      });
      await writeFileAtomic(o.output, r.image);
      const hex = (v: number): string => '0x' + v.toString(16).padStart(8, '0');
      process.stdout.write(
        `${o.output}: ${o.fit ? 'FIT' : 'uImage'} ${r.image.length} bytes; raw ${r.rawSize}, ` +
          `${o.compression} ${r.compressedSize}; load ${hex(r.load)} entry ${hex(r.entry)}\n`,
      );
    });
}
