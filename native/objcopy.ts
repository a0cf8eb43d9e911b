/**
 * Driver for binutils' objcopy: `objcopy -O binary -R ... -S IN OUT`, the classic step
 * our elfToRaw replaces. mipsel-linux-gnu-objcopy reads every MIPS ELF flavour (both
 * endians, 32 and 64 bit), so one tool serves all our differential tests.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KERNEL_REMOVED_SECTIONS } from '../src/kernel/elf/objcopy.js';

const run = promisify(execFile);

export const OBJCOPY = process.env.NIXWRT_OBJCOPY ?? 'mipsel-linux-gnu-objcopy';

export async function nativeElfToRaw(
  elf: Uint8Array,
  opts: { remove?: readonly string[]; objcopy?: string } = {},
): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'nixwrt-objcopy-'));
  try {
    const inPath = join(dir, 'vmlinux');
    const outPath = join(dir, 'vmlinux.bin');
    await writeFile(inPath, elf);
    const args = ['-O', 'binary'];
    for (const name of opts.remove ?? KERNEL_REMOVED_SECTIONS) args.push('-R', name);
    args.push('-S', inPath, outPath);
    try {
      await run(opts.objcopy ?? OBJCOPY, args, { maxBuffer: 1 << 20 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new Error(`${opts.objcopy ?? OBJCOPY} not found (Debian: binutils-mipsel-linux-gnu)`);
      throw new Error(`objcopy failed: ${e.stderr ?? e.message}`);
    }
    return new Uint8Array(await readFile(outPath));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
