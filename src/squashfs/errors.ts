import { NixwrtError } from '../errors.js';

/** Stable codes for squashfs failures (writer input problems and corrupt images). */
export type SquashfsErrorCode =
  | 'bad-magic'
  | 'bad-version'
  | 'bad-superblock'
  | 'unsupported-compressor'
  | 'out-of-bounds'
  | 'bad-metadata'
  | 'bad-inode'
  | 'bad-directory'
  | 'bad-data-block'
  | 'decompress-failed'
  | 'cycle'
  | 'too-large'
  | 'not-found'
  | 'bad-name'
  | 'bad-option'
  | 'bad-pseudo'
  | 'bad-source';

export class SquashfsError extends NixwrtError<SquashfsErrorCode> {}
