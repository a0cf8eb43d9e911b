// Test time limits that grow with the machine's load instead of failing on a busy machine.
// These machines are shared: at a load of 6 per core a boot that takes 30 s alone takes minutes.
// The factor is read once per test file, at import; NIXWRT_TEST_SLACK overrides it.
import { availableParallelism, loadavg } from 'node:os';

const MAX = 8;

export function slackFactor(): number {
  const forced = Number(process.env.NIXWRT_TEST_SLACK);
  if (Number.isFinite(forced) && forced >= 1) return forced;
  const perCore = Math.max(...loadavg()) / availableParallelism();
  return Math.min(MAX, Math.max(1, perCore));
}

const factor = slackFactor();

/** `ms` on a quiet machine, scaled by the load seen when the test file started. */
export function slow(ms: number): number {
  return Math.round(ms * factor);
}
