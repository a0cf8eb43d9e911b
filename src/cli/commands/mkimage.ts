/** `nixwrt mkimage`: legacy uImages with mkimage's flags and defaults (-A ppc -O linux -T kernel -C gzip). */
import { Command } from 'commander';
import {
  ARCH_CODES,
  COMP_CODES,
  OS_CODES,
  TYPE_CODES,
  TYPE_MULTI,
  TYPE_SCRIPT,
  UImageError,
  describeUImage,
  readUImage,
  writeUImage,
} from '../../kernel/uimage/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { readInputFile, requireOutputPath } from '../../util/input-file.js';
import { FDT_MAGIC } from '../../kernel/append-dtb.js';
import { describeFit, readFit } from '../../kernel/fit-reader.js';

/** An address as mkimage reads it: hexadecimal, with or without 0x. */
export function parseHexAddress(text: string, what: string): number {
  const m = /^(?:0x)?([0-9a-f]+)$/i.exec(text.trim());
  if (!m) throw new UImageError('uimage-bad-field', `invalid ${what} '${text}' (hexadecimal expected)`);
  const v = BigInt('0x' + m[1]);
  if (v > 0xffffffffn) throw new UImageError('uimage-bad-field', `${what} 0x${v.toString(16)} does not fit in 32 bits`);
  return Number(v);
}

export function lookupCode(table: Readonly<Record<string, number>>, name: string, what: string): number {
  const v = table[name.toLowerCase()];
  if (v === undefined) {
    throw new UImageError('uimage-bad-field', `unknown ${what} '${name}' (one of: ${Object.keys(table).join(', ')})`);
  }
  return v;
}

/** The header time: SOURCE_DATE_EPOCH if set (reproducible builds), else now. */
export function sourceDateEpoch(): number {
  const s = process.env.SOURCE_DATE_EPOCH;
  if (s === undefined || s === '') return Math.floor(Date.now() / 1000);
  if (!/^\d+$/.test(s)) throw new UImageError('uimage-bad-field', `SOURCE_DATE_EPOCH '${s}' is not a number of seconds`);
  return Number(s);
}

interface Opts {
  architecture: string;
  os: string;
  type: string;
  compression: string;
  loadAddress?: string;
  entryPoint?: string;
  name: string;
  datafile?: string;
  list?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('mkimage')
    .description('write (or with -l list) a legacy U-Boot uImage, as mkimage does')
    .argument('<image>', 'output image (or with -l, the image to list)')
    .option('-A, --architecture <arch>', 'CPU architecture', 'ppc')
    .option('-O, --os <os>', 'operating system', 'linux')
    .option('-T, --type <type>', 'image type (kernel, multi, ramdisk, script, ...)', 'kernel')
    .option('-C, --compression <comp>', 'compression recorded in the header (none, gzip, lzma, ...)', 'gzip')
    .option('-a, --load-address <addr>', 'load address (hex)')
    .option('-e, --entry-point <addr>', 'entry point (hex; default: the load address)')
    .option('-n, --name <name>', 'image name (at most 32 bytes are kept)', '')
    .option('-d, --datafile <file[:file...]>', 'data file; several (colon-separated) for multi/script')
    .option('-l, --list', 'list an existing image (legacy or FIT; checks its CRCs/hashes)')
    .option('-q, --quiet', 'do not print the header after writing')
    .action(async (image: string, o: Opts) => {
      if (o.list) {
        const bytes = new Uint8Array(await readInputFile(image, 'image to list'));
        const isFit = bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0) === FDT_MAGIC;
        process.stdout.write(isFit ? describeFit(readFit(bytes)) : describeUImage(readUImage(bytes)));
        return;
      }
      if (!o.datafile) throw new UImageError('uimage-bad-field', 'no data file given (-d FILE)');
      const type = lookupCode(TYPE_CODES, o.type, 'image type');
      const files = type === TYPE_MULTI || type === TYPE_SCRIPT ? o.datafile.split(':') : [o.datafile];
      await requireOutputPath(image, 'output image');
      const data = await Promise.all(files.map(async (f) => new Uint8Array(await readInputFile(f, 'data file'))));
      files.forEach((f, i) => {
        if (data[i]!.length === 0) throw new UImageError('uimage-bad-field', `input file ${f} is empty (mkimage refuses it too)`);
      });
      const load = o.loadAddress === undefined ? 0 : parseHexAddress(o.loadAddress, 'load address');
      const bytes = writeUImage(type === TYPE_MULTI || type === TYPE_SCRIPT ? data : data[0]!, {
        time: sourceDateEpoch(),
        load,
        entry: o.entryPoint === undefined ? load : parseHexAddress(o.entryPoint, 'entry point'),
        name: o.name,
        os: lookupCode(OS_CODES, o.os, 'operating system'),
        arch: lookupCode(ARCH_CODES, o.architecture, 'architecture'),
        type,
        comp: lookupCode(COMP_CODES, o.compression, 'compression'),
      });
      await writeFileAtomic(image, bytes);
      if (!o.quiet) process.stdout.write(describeUImage(readUImage(bytes)));
    });
}
