import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$XDG_CACHE_HOME/nixwrt`, else `~/.cache/nixwrt`: the store cache, artefacts and compiled configs. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'nixwrt');
}
