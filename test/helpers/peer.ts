import { spawnSync } from 'node:child_process';

/**
 * Peer tools (mksquashfs, dtc, mkimage, ...) are Debian packages that .ci/run installs.
 * Usage: `describe.skipIf(!havePeers('mksquashfs', 'unsquashfs'))(...)`.
 * On a bare machine a missing tool skips the tests with a message naming it; in CI
 * (NIXWRT_REQUIRE_PEERS=1, set by .ci/run) a missing tool is an error, never a silent skip.
 */
export function hasTool(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v '${cmd}'`]).status === 0;
}

export function havePeers(...cmds: string[]): boolean {
  const missing = cmds.filter((c) => !hasTool(c));
  return haveRequirement(missing.length === 0, `peer tool(s) not installed: ${missing.join(', ')}`);
}

/**
 * The same rule for any other thing .ci/run provides (a system library, say): true when `ok`;
 * otherwise skip with `what` on a bare machine, and throw in CI.
 */
export function haveRequirement(ok: boolean, what: string): boolean {
  if (ok) return true;
  if (process.env.NIXWRT_REQUIRE_PEERS === '1') throw new Error(`required in CI: ${what}`);
  process.stderr.write(`[skip] ${what} (bash .ci/run installs it)\n`);
  return false;
}
