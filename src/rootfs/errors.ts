import { NixwrtError } from '../errors.js';

/** Problems assembling the rootfs tree. */
export class RootfsError extends NixwrtError<
  'missing-store-path' | 'bad-listing' | 'path-conflict' | 'dangling-link' | 'overlay-unreadable' | 'overlay-unsupported'
> {}
