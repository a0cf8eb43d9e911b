/**
 * The kernel DTS corpus for the dtc byte-identity test: every .dts under arch/<arch>/boot/dts
 * of Debian's linux-source-6.1, all architectures, with what they include (dt-bindings, the
 * include-prefixes symlinks and the one uapi header dt-bindings links to). Extracted once into
 * a cache under the OS temp dir and reused between runs. dtc's blobs, without and with -@, are
 * pinned by SHA-256 in fixtures/kernel-6.1-dtc.sha256 (made by make-kernel-dtc-hashes.sh with
 * the kernel's own cpp + dtc command), so a run compiles with dtc only a sample, live.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TARBALL = '/usr/src/linux-source-6.1.tar.xz';
const TOP = 'linux-source-6.1';
const MEMBERS = [
  'arch/*/boot/dts',
  'include/dt-bindings',
  'scripts/dtc/include-prefixes',
  'include/uapi/linux/input-event-codes.h',
];

export interface Corpus {
  /** the extracted source tree (cwd for relative file names) */
  root: string;
  /** .dts files relative to root, sorted */
  files: string[];
  /** The kernel's include path for a file: its directory, then scripts/dtc/include-prefixes. */
  includeDirsFor(file: string): string[];
}

/** The architecture a corpus file belongs to (`arch/<arch>/boot/dts/...`). */
export function archOf(file: string): string {
  return file.split('/')[1]!;
}

function walk(dir: string, root: string, out: string[]): void {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) walk(rel, root, out);
    else if (e.name.endsWith('.dts')) out.push(rel);
  }
}

/** Extract (once) and list the corpus. */
export function prepareCorpus(log: (s: string) => void): Corpus {
  const cache = join(tmpdir(), 'nixwrt-dt-corpus-6.1');
  const root = join(cache, TOP);
  const stamp = join(cache, '.extracted-v3');
  if (!existsSync(stamp)) {
    mkdirSync(cache, { recursive: true });
    const t0 = Date.now();
    execFileSync('tar', ['-xJf', TARBALL, '-C', cache, '--wildcards', ...MEMBERS.map((m) => `${TOP}/${m}`)]);
    writeFileSync(stamp, '');
    log(`extracted the DTS corpus in ${Date.now() - t0} ms`);
  }
  const files: string[] = [];
  for (const arch of readdirSync(join(root, 'arch')).sort()) {
    if (existsSync(join(root, 'arch', arch, 'boot', 'dts'))) walk(`arch/${arch}/boot/dts`, root, files);
  }
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const includeDirsFor = (f: string) => [join(root, f.slice(0, f.lastIndexOf('/'))), join(root, 'scripts/dtc/include-prefixes')];
  return { root, files, includeDirsFor };
}

/** dtc's blob hashes, without and with -@ (made by fixtures/make-kernel-dtc-hashes.sh), or 'FAILED'. */
export interface DtcHashes {
  plain: string;
  symbols: string;
}

export function loadDtcHashes(path: string): Map<string, DtcHashes> {
  const m = new Map<string, DtcHashes>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [plain, symbols, file] = line.split(/\s+/, 3) as [string, string, string];
    m.set(file, { plain, symbols });
  }
  return m;
}
