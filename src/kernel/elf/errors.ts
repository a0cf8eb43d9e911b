import { NixwrtError } from '../../errors.js';

export type ElfErrorCode =
  | 'elf-not-elf' // no \x7fELF magic
  | 'elf-bad-ident' // unknown class, data encoding or version
  | 'elf-truncated' // a header, table or section reaches past the end of the file
  | 'elf-bad-header' // header or table entry sizes that no ELF writer produces
  | 'elf-absurd-size' // the raw image would be larger than the limit
  | 'elf-no-sections'; // nothing to copy (objcopy: "the input file has no sections")

export class ElfError extends NixwrtError<ElfErrorCode> {}
