import { NixwrtError } from '../errors.js';

/** A config file that cannot be read or does not have the shape of a NixwrtConfig. */
export class ConfigError extends NixwrtError<
  'config-not-found' | 'config-load-failed' | 'config-invalid' | 'unknown-module' | 'duplicate-module'
> {}

/**
 * A module option that fails validation; the message names module and option, and with `where`
 * (the config file and the key of that module's use, e.g. `/p/c.ts: modules[2]`) where it is.
 */
export class OptionError extends NixwrtError<'bad-option' | 'unknown-option' | 'missing-option'> {
  constructor(
    code: 'bad-option' | 'unknown-option' | 'missing-option',
    readonly module: string,
    readonly option: string,
    readonly detail: string,
    where?: string,
  ) {
    super(code, `${where === undefined ? '' : `${where}: `}module ${module}: option ${option}: ${detail}`);
  }
}

/** Two contributions disagree on a scalar and neither is marked override(). */
export class MergeError extends NixwrtError<'merge-conflict' | 'merge-type-mismatch'> {}

/** Lock file problems, and package names the lock does not know. */
export class LockError extends NixwrtError<
  'lock-not-found' | 'lock-invalid' | 'unknown-package' | 'lock-exists' | 'not-a-store-path' | 'not-in-cache' | 'untrusted' | 'bad-path-info'
> {}

/** Services that depend on unknown services, or on each other in a cycle. */
export class ServiceError extends NixwrtError<'unknown-dependency' | 'dependency-cycle'> {}
