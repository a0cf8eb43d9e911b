/**
 * Artefact keys: the SHA-256 of a canonical JSON of the inputs (object keys sorted, no spaces),
 * so the same inputs give the same key whatever order a caller listed them in.
 */
import { createHash } from 'node:crypto';

export type KeyInput = string | number | boolean | null | KeyInput[] | { [k: string]: KeyInput | undefined };

/** Bump when an encoder's output for the same inputs changes: every old entry then misses. */
export const CACHE_FORMAT = 1;

export function canonicalJson(v: KeyInput): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k]!)}`).join(',')}}`;
}

export function artefactKey(inputs: { kind: string } & { [k: string]: KeyInput | undefined }): string {
  return sha256Hex(canonicalJson({ format: CACHE_FORMAT, ...inputs }));
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
