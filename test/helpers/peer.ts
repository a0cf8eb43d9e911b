import { spawnSync } from 'node:child_process';

/**
 * Peer tools (mksquashfs, dtc, mkimage, ...) are Debian packages that .ci/run installs.
 * On a bare machine the tests that need them are skipped with a message naming the tool.
 */
export function hasTool(cmd: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0;
}

/** Tools missing from this machine, with a note printed once so a skip is never silent. */
export function missingTools(...cmds: string[]): string[] {
  const missing = cmds.filter((c) => !hasTool(c));
  if (missing.length > 0) {
    process.stderr.write(`[skip] peer tool(s) not installed: ${missing.join(', ')} (bash .ci/run installs them)\n`);
  }
  return missing;
}

/** In CI (NIXWRT_REQUIRE_PEERS=1, set by .ci/run) a missing peer is a failure, not a skip. */
export function peersRequired(): boolean {
  return process.env.NIXWRT_REQUIRE_PEERS === '1';
}
