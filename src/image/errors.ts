import { NixwrtError } from '../errors.js';

export type ImageErrorCode =
  | 'unknown-device'
  | 'partition-overflow'
  | 'phram-overflow'
  | 'phram-too-small'
  | 'bad-cmdline'
  | 'no-emulator'
  | 'bad-env'
  | 'no-flash'
  | 'bad-emulator-dir'
  | 'bad-net-spec'
  | 'unknown-format'
  | 'truncated' // inspect: a part's header says more bytes than the file has
  | 'bad-checksum' // inspect: a uImage's data CRC does not match
  | 'corrupt-part' // inspect: a part with a sound header that its reader refuses
  | 'unsupported-output'
  | 'no-phram'
  | 'kernel-mismatch'
  | 'missing-store-file';

/** Errors from device lookup, flash layout and output writing. */
export class ImageError extends NixwrtError<ImageErrorCode> {}
