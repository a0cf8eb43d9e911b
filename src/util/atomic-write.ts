import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temp name beside `path`, so the final rename stays on one file system. */
export function tempPathFor(path: string): string {
  const suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  // A name may have 255 bytes: a long base name is shortened (by whole characters) to fit.
  let base = basename(path);
  while (Buffer.byteLength(`.${base}${suffix}`) > 255) base = [...base].slice(0, -1).join('');
  return join(dirname(path), `.${base}${suffix}`);
}

/**
 * Write `data` to `path` so that readers see either the old file or the whole new one:
 * write a temp file, fsync, rename. On failure the temp file is removed.
 * `durable: false` skips the fsync, for files whose readers check them by hash anyway (the
 * artefact cache): after a crash such a file may be short, never silently wrong.
 * `parentExists: true` skips the mkdir of the directory (the caller made it).
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: { mode?: number; durable?: boolean; parentExists?: boolean } = {},
): Promise<void> {
  if (!opts.parentExists) await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'wx', opts.mode ?? 0o644);
  try {
    if (data instanceof Uint8Array) {
      await fh.write(data);
    } else {
      for await (const chunk of data) await fh.write(chunk);
    }
    if (opts.durable !== false) await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * writeFileAtomic, unless `path` already holds exactly `data`: an incremental build then leaves
 * unchanged outputs alone (no rewrite, no fsync; their mtime stays). Returns whether it wrote.
 */
export async function writeFileIfChanged(path: string, data: Uint8Array, opts: { mode?: number; durable?: boolean } = {}): Promise<boolean> {
  const old = await stat(path).catch(() => undefined);
  if (old?.isFile() && old.size === data.length && (opts.mode === undefined || (old.mode & 0o777) === opts.mode)) {
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes && bytes.equals(data)) return false;
  }
  await writeFileAtomic(path, data, opts);
  return true;
}
