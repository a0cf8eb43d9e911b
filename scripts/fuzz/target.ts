import { NixwrtError } from '../../src/errors.js';

/** One fuzz target: a parser's public entry point and the valid inputs mutations start from. */
export interface FuzzTarget {
  /** Valid inputs, built with our own writers or read from fixtures; each should parse. */
  seeds(): Promise<Uint8Array[]> | Uint8Array[];
  /** Feed one input to the public parser; returning or throwing a typed error are both fine. */
  run(bytes: Uint8Array): Promise<unknown> | unknown;
  /** Words worth inserting (keywords, directives, field names), as AFL's dictionaries. */
  dictionary?: readonly string[];
  /** The inputs are JSON: half the mutants are made on the parsed value (see mutateJson). */
  json?: boolean;
}

/** Targets by name; each lives in targets/<name>.ts and default-exports a FuzzTarget. */
export const TARGETS = [
  'narinfo',
  'signature',
  'nix32',
  'nar',
  'nar-decompress',
  'squashfs',
  'squashfs-extract',
  'dtb',
  'dts',
  'uimage',
  'fit',
  'elf',
  'lzma',
  'config',
  'lock',
] as const;
export type TargetName = (typeof TARGETS)[number];

export function isTargetName(s: string): s is TargetName {
  return (TARGETS as readonly string[]).includes(s);
}

/** What one input did. 'typed': a NixwrtError with a string code; 'untyped': anything else thrown. */
export type Outcome =
  | { kind: 'ok' }
  | { kind: 'typed'; code: string }
  | { kind: 'untyped'; name: string; message: string; frame: string };

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder('utf-8').decode(b);

/**
 * Run `fn`; a typed error ends only this step (the target goes on with the next) and is
 * returned, anything else propagates.
 */
export async function typedOk(fn: () => unknown): Promise<NixwrtError | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    if (!(err instanceof NixwrtError)) throw err;
    return err;
  }
}
