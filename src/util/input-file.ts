/**
 * Files named on the command line: a missing file, a directory where a file belongs or an
 * unreadable one is a typed error that names the file and its role, never a bare ENOENT or
 * EISDIR.
 */
import { readFile, stat } from 'node:fs/promises';
import { NixwrtError } from '../errors.js';

export type InputFileCode = 'no-such-file' | 'is-a-directory' | 'unreadable';

export class InputFileError extends NixwrtError<InputFileCode> {}

function typed(err: unknown, path: string, what: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new InputFileError('no-such-file', `${path}: no such file (the ${what})`, { cause: err });
  if (code === 'EISDIR') return new InputFileError('is-a-directory', `${path}: is a directory, the ${what} must be a file`, { cause: err });
  if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP' || code === 'EIO') {
    return new InputFileError('unreadable', `${path}: cannot read the ${what} (${code})`, { cause: err });
  }
  return err;
}

/** The bytes of the input file `path` (`what` names its role in messages, e.g. "kernel ELF"). */
export async function readInputFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw typed(err, path, what);
  }
}

/** `path` exists and is not a directory (checked before a loader that would say less). */
export async function requireInputFile(path: string, what: string): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    throw typed(err, path, what);
  }
  if (st.isDirectory()) throw new InputFileError('is-a-directory', `${path}: is a directory, the ${what} must be a file`);
}

/** An output file path must not name an existing directory (the rename into place would fail late). */
export async function requireOutputPath(path: string, what: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (st?.isDirectory()) throw new InputFileError('is-a-directory', `${path}: is a directory, the ${what} must be a file path`);
}
