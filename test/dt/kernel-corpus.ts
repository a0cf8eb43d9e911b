/**
 * The kernel DTS corpus for the dtc byte-identity test: every .dts under arch/mips/boot/dts
 * and arch/arm/boot/dts of Debian's linux-source-6.1, with what they include (arm64 dts,
 * dt-bindings, the include-prefixes symlinks and the one uapi header dt-bindings links to).
 * Extracted once into a cache under the OS temp dir and reused between runs. dtc's blobs are
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
  'arch/mips/boot/dts',
  'arch/arm/boot/dts',
  'arch/arm64/boot/dts',
  'include/dt-bindings',
  'scripts/dtc/include-prefixes',
  'include/uapi/linux/input-event-codes.h',
];

export interface Corpus {
  /** the extracted source tree (cwd for relative file names) */
  root: string;
  /** .dts files relative to root, sorted */
  files: string[];
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
  const stamp = join(cache, '.extracted-v2');
  if (!existsSync(stamp)) {
    mkdirSync(cache, { recursive: true });
    const t0 = Date.now();
    execFileSync('tar', ['-xJf', TARBALL, '-C', cache, ...MEMBERS.map((m) => `${TOP}/${m}`)]);
    writeFileSync(stamp, '');
    log(`extracted the DTS corpus in ${Date.now() - t0} ms`);
  }
  const files: string[] = [];
  walk('arch/mips/boot/dts', root, files);
  walk('arch/arm/boot/dts', root, files);
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { root, files };
}

/** dtc's blob hashes made by fixtures/make-kernel-dtc-hashes.sh: file → sha256, or 'FAILED'. */
export function loadDtcHashes(path: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [hash, file] = line.split(/\s+/, 2) as [string, string];
    m.set(file, hash);
  }
  return m;
}
