import { OptionError } from './errors.js';
import { CheckFailure, type Check } from './options.js';
import type { DeviceRequirement, Ov } from './types.js';

/** A file a module contributes; mode defaults to 0o644, owner to root. */
export interface FileSpec {
  content: Ov<string | Uint8Array>;
  mode?: Ov<number>;
  uid?: Ov<number>;
  gid?: Ov<number>;
}

/**
 * What a module adds to the system. Every field is optional; records are keyed by rootfs path
 * or by name, so two modules naming the same file or service are merged (see merge.ts).
 */
export interface Contribution {
  files?: Record<string, FileSpec>;
  directories?: Record<string, { mode?: Ov<number> }>;
  /** path → target */
  symlinks?: Record<string, Ov<string>>;
  devices?: Record<string, { type: 'char' | 'block'; major: number; minor: number; mode?: number }>;
  users?: Record<string, { uid: number; gid?: number; home?: string; shell?: Ov<string>; gecos?: string; passwordHash?: Ov<string> }>;
  groups?: Record<string, { gid: number; members?: string[] }>;
  services?: Record<string, { run: Ov<string>; dependsOn?: string[]; restart?: boolean }>;
  mounts?: Record<string, { device: string; fstype: string; options?: string[] }>;
  /** Package names (resolved through the lock). `ctx.pkg()` adds its package by itself. */
  packages?: string[];
  kernelCmdline?: string[];
  requirements?: DeviceRequirement[];
  phram?: { sizeMiB?: number; address?: string; vars?: Record<string, string> };
  /** /etc/hosts entries: name → address (base renders the file). */
  hosts?: Record<string, string>;
}

/** What a module sees besides its options. */
export interface ModuleContext {
  readonly hostname: string;
  readonly device: string;
  /** Store path of a package from the lock; records it as needed. Unknown names are errors. */
  pkg(name: string): string;
  /** Whether another module is in use (to add dependencies on it). */
  uses(module: string): boolean;
  /** Applets the busybox module links into /bin. */
  readonly applets: ReadonlySet<string>;
}

export type OptionSchema<O> = { [K in keyof O]-?: Check<NonNullable<O[K]>> };

export interface NixwrtModule<O = unknown, D extends Partial<O> = Partial<O>> {
  name: string;
  description: string;
  options: OptionSchema<O>;
  required?: (keyof O & string)[];
  defaults: D;
  contribute(options: O & D, ctx: ModuleContext): Contribution;
}

/** Helper that keeps a module's option, default and contribute types tied together. */
export function defineModule<O, const D extends Partial<O>>(m: NixwrtModule<O, D>): NixwrtModule<O, D> {
  return m;
}

/** Check a module's options (unknown, missing, ill-typed), fill defaults. */
export function validateOptions<O, D extends Partial<O>>(m: NixwrtModule<O, D>, raw: unknown): O & D {
  const given = (raw ?? {}) as Record<string, unknown>;
  const known = Object.keys(m.options);
  for (const k of Object.keys(given)) {
    if (!known.includes(k)) {
      throw new OptionError('unknown-option', m.name, k, `unknown option (known: ${known.join(', ') || 'none'})`);
    }
  }
  const out: Record<string, unknown> = { ...(m.defaults as object) };
  for (const k of known) {
    const v = given[k];
    if (v === undefined) {
      if (m.required?.includes(k as keyof O & string)) throw new OptionError('missing-option', m.name, k, 'required option is missing');
      continue;
    }
    try {
      out[k] = (m.options as Record<string, Check<unknown>>)[k]!(v, k);
    } catch (err) {
      if (err instanceof CheckFailure) throw new OptionError('bad-option', m.name, err.at, err.message);
      throw err;
    }
  }
  return out as O & D;
}
