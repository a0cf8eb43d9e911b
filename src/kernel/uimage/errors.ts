import { NixwrtError } from '../../errors.js';

export type UImageErrorCode =
  | 'uimage-truncated' // shorter than the header, or than the size the header gives
  | 'uimage-bad-magic' // not 0x27051956
  | 'uimage-bad-hcrc' // header CRC mismatch
  | 'uimage-bad-dcrc' // data CRC mismatch
  | 'uimage-bad-multi' // multi-file size table runs past the data
  | 'uimage-bad-field' // an unknown name or a value out of range when writing
  | 'uimage-too-large'; // payload over 4 GiB

export class UImageError extends NixwrtError<UImageErrorCode> {}
