import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LINUX_TAR = '/usr/src/linux-source-6.1.tar.xz';

/**
 * The MIPS DTS folders and dt-bindings of linux-source-6.1, in kernel-tree layout (as the
 * fixture's linux-dts package). Unpacking reads the whole 130 MB .tar.xz (~45 s), so the
 * result is kept in the temp dir between runs.
 */
export function linuxDtsTree(): string {
  const root = join(tmpdir(), 'nixwrt-test-linux-6.1-mips-dts');
  if (existsSync(join(root, '.complete'))) return root;
  const tmp = mkdtempSync(join(tmpdir(), 'nixwrt-dts-'));
  execFileSync('tar', [
    '-xJf', LINUX_TAR, '-C', tmp, '--strip-components=1', '--wildcards',
    'linux-source-6.1/arch/mips/boot/dts/*', 'linux-source-6.1/include/dt-bindings/*',
  ]);
  writeFileSync(join(tmp, '.complete'), '');
  rmSync(root, { recursive: true, force: true });
  renameSync(tmp, root);
  return root;
}
