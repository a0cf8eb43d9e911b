/**
 * Driver for U-Boot's mkimage/dumpimage (u-boot-tools): legacy images from the same flags
 * `nixwrt mkimage` takes, listings (-l), and extraction of FIT sub-images.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NativeMkimageArgs {
  arch?: string;
  os?: string;
  type?: string;
  comp?: string;
  load?: string;
  entry?: string;
  name?: string;
  /** Data files; several make a multi (or script) image. */
  data: Uint8Array[];
  /** SOURCE_DATE_EPOCH for the header time. */
  time: number;
}

async function tool(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const r = await run(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
    return r.stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    if (e.code === 'ENOENT') throw new Error(`${cmd} not found (Debian: u-boot-tools)`);
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

async function withDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'nixwrt-mkimage-'));
  try {
    return await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function nativeMkimage(a: NativeMkimageArgs): Promise<Uint8Array> {
  return withDir(async (dir) => {
    const files: string[] = [];
    for (const [i, d] of a.data.entries()) {
      const p = join(dir, `in${i}`);
      await writeFile(p, d);
      files.push(p);
    }
    const args: string[] = [];
    const flag = (f: string, v: string | undefined): void => {
      if (v !== undefined) args.push(f, v);
    };
    flag('-A', a.arch);
    flag('-O', a.os);
    flag('-T', a.type);
    flag('-C', a.comp);
    flag('-a', a.load);
    flag('-e', a.entry);
    flag('-n', a.name);
    const out = join(dir, 'out.img');
    args.push('-d', files.join(':'), out);
    await tool('mkimage', args, { SOURCE_DATE_EPOCH: String(a.time) });
    return new Uint8Array(await readFile(out));
  });
}

/** `mkimage -l` or `dumpimage -l` on an image; resolves with the listing, rejects if refused. */
export async function nativeList(image: Uint8Array, cmd: 'mkimage' | 'dumpimage' = 'mkimage'): Promise<string> {
  return withDir(async (dir) => {
    const p = join(dir, 'image');
    await writeFile(p, image);
    return tool(cmd, ['-l', p]);
  });
}

/** `dumpimage -T TYPE -p N -o OUT IMAGE`: extract sub-image N (FIT: the N-th image node). */
export async function nativeExtract(image: Uint8Array, index: number, type = 'flat_dt'): Promise<Uint8Array> {
  return withDir(async (dir) => {
    const p = join(dir, 'image');
    const out = join(dir, 'out');
    await writeFile(p, image);
    await tool('dumpimage', ['-T', type, '-p', String(index), '-o', out, p]);
    return new Uint8Array(await readFile(out));
  });
}
