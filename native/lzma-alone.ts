/**
 * Driver for `lzma_alone` (the LZMA SDK's command-line encoder, Debian package lzma-alone):
 * the reference for the .lzma kernel format, for differential tests and the benchmark.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NixwrtError } from '../src/errors.js';

const run = promisify(execFile);

export class NativeToolError extends NixwrtError<'tool-missing' | 'tool-failed' | 'bad-option'> {}

export interface NativeLzmaOptions {
  lc?: number;
  lp?: number;
  pb?: number;
  /** Must be a power of two from 4 KiB to 1 GiB (lzma_alone takes its log2). */
  dictSize?: number;
  /** "fast bytes" (-fb), the SDK's nice length; its default is 128. */
  fb?: number;
  /** Write an end marker (-eos). */
  eos?: boolean;
}

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'nixwrt-lzma-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function lzmaAlone(args: string[]): Promise<void> {
  try {
    await run('lzma_alone', args, { maxBuffer: 1 << 20 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new NativeToolError('tool-missing', 'lzma_alone not found (Debian package lzma-alone)');
    throw new NativeToolError('tool-failed', `lzma_alone ${args[0]} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}

export function nativeEncodeArgs(opts: NativeLzmaOptions): string[] {
  const dict = opts.dictSize ?? 8 * 1024 * 1024;
  const log = Math.log2(dict);
  if (!Number.isInteger(log) || log < 12 || log > 30) {
    throw new NativeToolError('bad-option', `lzma_alone needs a power-of-two dictionary of 4 KiB..1 GiB, got ${dict}`);
  }
  const args = [`-lc${opts.lc ?? 1}`, `-lp${opts.lp ?? 2}`, `-pb${opts.pb ?? 2}`, `-d${log}`];
  if (opts.fb !== undefined) args.push(`-fb${opts.fb}`);
  if (opts.eos) args.push('-eos');
  return args;
}

export async function encodeLzmaAloneNative(data: Uint8Array, opts: NativeLzmaOptions = {}): Promise<Uint8Array> {
  const args = nativeEncodeArgs(opts);
  return withTemp(async (dir) => {
    await writeFile(join(dir, 'in'), data);
    await lzmaAlone(['e', join(dir, 'in'), join(dir, 'out'), ...args]);
    return new Uint8Array(await readFile(join(dir, 'out')));
  });
}

export async function decodeLzmaAloneNative(bytes: Uint8Array): Promise<Uint8Array> {
  return withTemp(async (dir) => {
    await writeFile(join(dir, 'in.lzma'), bytes);
    await lzmaAlone(['d', join(dir, 'in.lzma'), join(dir, 'out')]);
    return new Uint8Array(await readFile(join(dir, 'out')));
  });
}
