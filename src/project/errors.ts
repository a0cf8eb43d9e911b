import { NixwrtError } from '../errors.js';

/** `nixwrt init`: a target that is not empty, or no demo cache to point the new lock at. */
export class ProjectError extends NixwrtError<'target-not-empty' | 'no-demo-cache'> {}
