/** Option parsers shared by several commands. */
import { InvalidArgumentError } from 'commander';
import { sizeOf } from '../util/size.js';

/** A repeatable option's values. */
export function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}

export function parseJobs(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}

/** Bytes, with an optional K, M or G suffix (powers of 1024). */
export function parseSize(v: string): number {
  const n = sizeOf(v);
  if (n === undefined) throw new InvalidArgumentError('expected bytes, e.g. 500000000 or 500M');
  return n;
}
