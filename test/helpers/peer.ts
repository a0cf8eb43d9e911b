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
  if (missing.length === 0) return true;
  if (process.env.NIXWRT_REQUIRE_PEERS === '1') {
    throw new Error(`peer tool(s) required but not installed: ${missing.join(', ')}`);
  }
  process.stderr.write(`[skip] peer tool(s) not installed: ${missing.join(', ')} (bash .ci/run installs them)\n`);
  return false;
}
