/**
 * The few file-system calls a fetch makes per file, as promises over node:fs's callback API
 * with plain file descriptors. fs/promises wraps each descriptor in a FileHandle (an object with
 * its own close tracking and GC finalizer) and each call in more promise plumbing; with ~20
 * calls per store path that was ~10 % of a fetch's main-thread CPU (bench/RESULTS.md, "nix fetch").
 */
import { close, fchmod, fsync, mkdir, open, rename, symlink, write } from 'node:fs';

const done =
  <T>(resolve: (v: T) => void, reject: (e: unknown) => void) =>
  (err: NodeJS.ErrnoException | null, v?: T): void =>
    err ? reject(err) : resolve(v as T);

export const openFd = (path: string | Buffer, flags: number | string, mode: number): Promise<number> =>
  new Promise((res, rej) => open(path, flags, mode, done(res, rej)));

export const closeFd = (fd: number): Promise<void> => new Promise((res, rej) => close(fd, done(res, rej)));

export const fchmodFd = (fd: number, mode: number): Promise<void> => new Promise((res, rej) => fchmod(fd, mode, done(res, rej)));

export const fsyncFd = (fd: number): Promise<void> => new Promise((res, rej) => fsync(fd, done(res, rej)));

export const mkdirOne = (path: string | Buffer, mode: number): Promise<void> =>
  new Promise((res, rej) => mkdir(path, { mode }, (err) => (err ? rej(err) : res())));

export const makeSymlink = (target: string | Buffer, path: string | Buffer): Promise<void> => new Promise((res, rej) => symlink(target, path, done(res, rej)));

export const renamePath = (from: string, to: string): Promise<void> => new Promise((res, rej) => rename(from, to, done(res, rej)));

/** Write all of `data` at the file position (a short write is continued). */
export function writeAll(fd: number, data: Uint8Array): Promise<void> {
  return new Promise((res, rej) => {
    let off = 0;
    const more = (): void =>
      write(fd, data, off, data.length - off, null, (err, n) => {
        if (err) return rej(err);
        off += n;
        if (off < data.length && n > 0) more();
        else if (off < data.length) rej(new Error(`write returned 0 with ${data.length - off} bytes left`));
        else res();
      });
    if (data.length === 0) res();
    else more();
  });
}
