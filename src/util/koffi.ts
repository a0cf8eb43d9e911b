/**
 * koffi (FFI) for the system-library codecs. koffi's index.js also bundles its build tool, whose
 * top-level require()s of https, zlib, crypto and util cost every process ~10-40 ms of start-up;
 * on glibc Linux the prebuilt binary that index.js would pick is loaded directly (the calls used
 * here are the binary's own; index.js only adds deprecated aliases), checked against the
 * package's version. Anything unexpected falls back to require('koffi').
 */
import { createRequire } from 'node:module';

let loaded: unknown;

/** The koffi module; `T` is the caller's (loose) view of its API. */
export function loadKoffi<T>(): T {
  if (loaded !== undefined) return loaded as T;
  const req = createRequire(import.meta.url);
  if (process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64')) {
    try {
      const pkgFile = req.resolve('koffi/package.json');
      const { version } = req(pkgFile) as { version: string };
      const native = req(pkgFile.replace(/package\.json$/, `build/koffi/linux_${process.arch}/koffi.node`)) as { version?: string; load?: unknown };
      if (native.version === version && typeof native.load === 'function') return (loaded = native) as T;
    } catch {
      // musl, another layout, a failed dlopen: the package's own loader decides.
    }
  }
  return (loaded = req('koffi')) as T;
}
