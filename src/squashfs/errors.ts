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
  | 'bad-source'
  | 'duplicate' // a directory lists a name twice
  | 'unsorted' // a directory's names are not in strictly increasing byte order
  | 'bad-input' // an input file or directory given on the command line is missing or of the wrong type
  | 'bad-output' // an output path is a directory, or an extraction target is not empty
  | 'extract-failed'; // the host refused a write while extracting (the partial tree is removed)

export class SquashfsError extends NixwrtError<SquashfsErrorCode> {}
