import { constants, createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { FetchError, StoreCacheError } from './errors.js';
import { settleNarHash } from './nar-proof.js';
import { trackOutStore } from './temp-files.js';
import { closeFd, fchmodFd, makeSymlink, mkdirOne, openFd, renamePath, writeAll } from './fd.js';
import { NarParser, type NarEvent } from './nar/reader.js';
import type { CachedPath } from './store-cache.js';
import { storePathBaseName } from './store-path.js';
import { fsPath } from '../util/byte-string.js';

/** The process umask, read once; null where it cannot be read. */
let umaskValue: number | null | undefined;
function processUmask(): number | null {
  if (umaskValue === undefined) {
    try {
      umaskValue = process.umask();
    } catch {
      umaskValue = null;
    }
  }
  return umaskValue;
}

const CREATE = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;

/**
 * Unpacks NAR events to `dest` as `nix-store --restore` does: files 0666 and directories
 * 0777 less the umask, executables get +x. Every name was validated by the reader (no "/",
 * "..", duplicates), files are created O_EXCL|O_NOFOLLOW and directories without
 * `recursive`, so nothing is ever written through a symlink or outside `dest`.
 * The tree is built beside `dest` under a temporary name; commit() renames it into place,
 * abort() removes it.
 */
export class NarRestorer {
  private readonly tmp: string;
  private fd: number | null = null;

  constructor(private readonly dest: string) {
    this.tmp = `${dirname(dest)}/.${basename(dest)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  }

  /** Where `p` (a byte string: names may be any bytes) goes, for node:fs. */
  private at(p: string): string | Buffer {
    return p === '' ? this.tmp : fsPath(`${this.tmp}/${p}`);
  }

  async apply(ev: NarEvent): Promise<void> {
    if (ev.type === 'contents') {
      await writeAll(this.fd!, ev.data);
      return;
    }
    await this.closeFile();
    if (ev.type === 'directory') {
      await mkdirOne(this.at(ev.path), 0o777);
    } else if (ev.type === 'regular') {
      // Executables: the mode open() gives (0666 less the umask) plus +x for all, as
      // nix-store --restore. When the umask takes no x bit away, opening with 0777 gives
      // exactly that; otherwise (or with the umask unknown) it is set afterwards.
      const umask = processUmask();
      const direct = ev.executable && umask !== null && (umask & 0o111) === 0;
      this.fd = await openFd(this.at(ev.path), CREATE, direct ? 0o777 : 0o666);
      if (ev.executable && !direct) {
        const mode = umask === null ? (await stat(this.at(ev.path))).mode & 0o7777 : 0o666 & ~umask;
        await fchmodFd(this.fd, mode | 0o111);
      }
    } else {
      await makeSymlink(fsPath(ev.target), this.at(ev.path));
    }
  }

  private async closeFile(): Promise<void> {
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) await closeFd(fd);
  }

  async commit(): Promise<void> {
    await this.closeFile();
    await renamePath(this.tmp, this.dest);
  }

  async abort(): Promise<void> {
    await this.closeFile().catch(() => undefined);
    await rm(this.tmp, { recursive: true, force: true });
  }
}

/**
 * Unpack a NAR file to `dest` (see NarRestorer). With `narHash` the NAR is hashed while it is
 * read and the tree renamed into place only if it matches (else 'corrupt-nar', nar-proof.ts).
 */
export async function restoreNar(narPath: string, dest: string, narHash?: string): Promise<void> {
  const r = new NarRestorer(dest);
  try {
    const parser = new NarParser();
    const h = narHash !== undefined ? createHash('sha256') : undefined;
    for await (const chunk of createReadStream(narPath, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      h?.update(chunk);
      for (const ev of parser.push(chunk)) await r.apply(ev);
    }
    for (const ev of parser.end()) await r.apply(ev);
    if (h) settleNarHash(narPath, narHash!, h);
    await r.commit();
  } catch (err) {
    await r.abort();
    throw err;
  }
}

/** Where a store path goes under an --out directory. */
export function outPathFor(outDir: string, storePath: string): string {
  return join(outDir, 'nix', 'store', storePathBaseName(storePath));
}

export async function exists(p: string): Promise<boolean> {
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
  trackOutStore(store);
  const written: string[] = [];
  const sorted = [...paths].sort((a, b) => (a.storePath < b.storePath ? -1 : 1));
  // Usually all of them are there already (unpacked while downloading): ask about all at once.
  const present = await Promise.all(sorted.map((p) => exists(outPathFor(outDir, p.storePath))));
  for (const [i, p] of sorted.entries()) {
    const dest = outPathFor(outDir, p.storePath);
    if (present[i]) continue;
    try {
      await restoreNar(p.narPath, dest, p.narHash);
    } catch (err) {
      if (err instanceof StoreCacheError) throw err;
      throw new FetchError('io', `unpacking ${p.storePath} to ${dest}: ${(err as Error).message}`, { cause: err });
    }
    written.push(dest);
  }
  return written;
}
