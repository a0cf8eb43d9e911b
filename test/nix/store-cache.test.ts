import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatHashNix32 } from '../../src/nix/hash.js';
import { narFromTree } from '../../src/nix/nar/writer.js';
import { cachedNarPath, currentBootId, openCachedPath, writeCacheIndex } from '../../src/nix/store-cache.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const STORE_PATH = '/nix/store/0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c-boot-test';

/** A cache holding one entry whose NAR was written "without fsync" in boot `bootId`. */
async function cacheWithEntry(bootId: string | undefined): Promise<{ cacheDir: string; nar: Buffer; info: string }> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'nixwrt-store-cache-'));
  dirs.push(cacheDir);
  for (const sub of ['nar', 'info', 'tmp']) mkdirSync(join(cacheDir, sub));
  const nar = Buffer.concat([...narFromTree({ type: 'regular', contents: Buffer.from('hello\n') })]);
  writeFileSync(cachedNarPath(cacheDir, STORE_PATH), nar);
  await writeCacheIndex(cacheDir, {
    storePath: STORE_PATH,
    narHash: formatHashNix32({ algo: 'sha256', digest: createHash('sha256').update(nar).digest() }),
    narSize: nar.length,
    references: [],
    narinfo: '',
    listing: { type: 'regular', size: 6, narOffset: 96 },
    bootId,
  });
  return { cacheDir, nar, info: join(cacheDir, 'info', '0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c.json') };
}

describe('store cache durability across a system crash (boot id)', () => {
  it.runIf(currentBootId() !== null)('an entry written in this boot is trusted as is', async () => {
    const { cacheDir, info } = await cacheWithEntry(currentBootId()!);
    expect(await openCachedPath(STORE_PATH, { cacheDir })).toMatchObject({ storePath: STORE_PATH });
    expect(JSON.parse(readFileSync(info, 'utf8')).bootId).toBe(currentBootId());
  });

  it('after a reboot, an intact NAR is checked once and the entry marked durable', async () => {
    const { cacheDir, info } = await cacheWithEntry('an-earlier-boot');
    expect(await openCachedPath(STORE_PATH, { cacheDir })).toMatchObject({ storePath: STORE_PATH });
    expect(JSON.parse(readFileSync(info, 'utf8')).bootId).toBeUndefined();
    expect(await openCachedPath(STORE_PATH, { cacheDir })).toMatchObject({ storePath: STORE_PATH });
  });

  it('after a reboot, a NAR the crash left zeroed (right size, wrong bytes) is a miss', async () => {
    const { cacheDir, nar } = await cacheWithEntry('an-earlier-boot');
    writeFileSync(cachedNarPath(cacheDir, STORE_PATH), Buffer.alloc(nar.length));
    expect(await openCachedPath(STORE_PATH, { cacheDir })).toBeNull();
  });

  it('an entry without a boot id (fsynced when written) is trusted without hashing', async () => {
    const { cacheDir, nar } = await cacheWithEntry(undefined);
    writeFileSync(cachedNarPath(cacheDir, STORE_PATH), Buffer.alloc(nar.length));
    expect(await openCachedPath(STORE_PATH, { cacheDir })).toMatchObject({ storePath: STORE_PATH });
  });
});
