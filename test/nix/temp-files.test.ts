import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareCacheDir } from '../../src/nix/fetch.js';
import { pidNamespace, sweepStaleTemp, tempOwnerTag } from '../../src/nix/temp-files.js';

const work = mkdtempSync(join(tmpdir(), 'nixwrt-temp-files-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HASH = '0123456789abcdfghijklmnpqrsvwxyz';

/** The pid of a process that has exited (its number is free until reused). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('temp files of killed fetches', () => {
  it('a run sweeps those whose writer is provably gone, and only those', async () => {
    const cacheDir = join(work, 'cache');
    mkdirSync(join(cacheDir, 'tmp'), { recursive: true });
    const ns = pidNamespace();
    const name = (owner: string) => `${HASH}.${owner}.abcdef012345.nar`;
    const files = {
      dead: name(`${ns}-${deadPid()}`), // killed: zero bytes
      live: name(`${ns}-${process.ppid}`), // a running process (vitest's parent)
      mine: name(tempOwnerTag()),
      otherNs: name(`1-${deadPid()}`), // another PID namespace, recent: cannot tell
      oldOtherNs: name(`2-${deadPid()}`), // another namespace, untouched for two days
      oldName: `${HASH}.${deadPid()}.abcdef012345.nar`, // the former naming, recent
      partial: name(`${ns}-${deadPid()}`).replace('abcdef', 'fedcba'),
    };
    for (const [k, f] of Object.entries(files)) writeFileSync(join(cacheDir, 'tmp', f), k === 'dead' ? '' : 'partial bytes');
    const twoDaysAgo = (Date.now() - 2 * 86400_000) / 1000;
    utimesSync(join(cacheDir, 'tmp', files.oldOtherNs), twoDaysAgo, twoDaysAgo);
    await prepareCacheDir(cacheDir); // what every fetch does first
    const left = (k: keyof typeof files) => existsSync(join(cacheDir, 'tmp', files[k]));
    expect(left('dead')).toBe(false);
    expect(left('partial')).toBe(false);
    expect(left('oldOtherNs')).toBe(false);
    expect(left('live')).toBe(true);
    expect(left('mine')).toBe(true);
    expect(left('otherNs')).toBe(true);
    expect(left('oldName')).toBe(true);
    expect(await sweepStaleTemp(cacheDir)).toEqual([]);
  });
});
