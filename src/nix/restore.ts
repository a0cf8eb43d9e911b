import { constants, createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, symlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FetchError } from './errors.js';
import { NarParser, type NarEvent } from './nar/reader.js';
import type { CachedPath } from './store-cache.js';
import { storePathBaseName } from './store-path.js';

const CREATE = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;

/**
 * Unpack a NAR file to `dest` as `nix-store --restore` does: files 0666 and directories
 * 0777 less the umask, executables get +x. Every name was validated by the reader (no "/",
 * "..", duplicates), files are created O_EXCL|O_NOFOLLOW and directories without
 * `recursive`, so nothing is ever written through a symlink or outside `dest`.
 * The tree is built beside `dest` under a temporary name and renamed at the end.
 */
export async function restoreNar(narPath: string, dest: string): Promise<void> {
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  let fh: FileHandle | null = null;
  const at = (p: string): string => (p === '' ? tmp : join(tmp, p));
  const apply = async (ev: NarEvent): Promise<void> => {
    if (ev.type === 'directory') {
      await mkdir(at(ev.path), 0o777);
    } else if (ev.type === 'regular') {
      await fh?.close();
      fh = await open(at(ev.path), CREATE, 0o666);
      if (ev.executable) await fh.chmod(((await fh.stat()).mode & 0o7777) | 0o111);
    } else if (ev.type === 'contents') {
      await fh!.write(ev.data);
    } else {
      await symlink(ev.target, at(ev.path));
    }
  };
  try {
    const parser = new NarParser();
    for await (const chunk of createReadStream(narPath, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      for (const ev of parser.push(chunk)) await apply(ev);
    }
    for (const ev of parser.end()) await apply(ev);
    await (fh as FileHandle | null)?.close();
    fh = null;
    await rename(tmp, dest);
  } catch (err) {
    await (fh as FileHandle | null)?.close().catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Write cached paths under `outDir/nix/store/<name>`. Paths already there are left alone
 * (store paths are immutable). Returns the paths written.
 */
export async function writeClosure(paths: Iterable<CachedPath>, outDir: string): Promise<string[]> {
  const store = join(outDir, 'nix', 'store');
  await mkdir(store, { recursive: true });
  const written: string[] = [];
  for (const p of [...paths].sort((a, b) => (a.storePath < b.storePath ? -1 : 1))) {
    const dest = join(store, storePathBaseName(p.storePath));
    if (await exists(dest)) continue;
    try {
      await restoreNar(p.narPath, dest);
    } catch (err) {
      throw new FetchError('io', `unpacking ${p.storePath} to ${dest}: ${(err as Error).message}`, { cause: err });
    }
    written.push(dest);
  }
  return written;
}
