/** lock.json: loadLock (JSON, shape, store paths, key format) from a file, as a build reads it. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLock, resolvePackage } from '../../../src/config/index.js';
import { typedOk, type FuzzTarget } from '../target.js';
import { FIXTURES } from './paths.js';

const dir = mkdtempSync(join(tmpdir(), 'nixwrt-fuzz-lock-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const target: FuzzTarget = {
  json: true,
  dictionary: ['"version":', '"cache":', '"url":', '"publicKey":', '"packages":', '"/nix/store/', '"__proto__":', 'null', '{}', '[]', ','],
  seeds() {
    const lock = readFileSync(join(FIXTURES, 'lock.json'));
    const small = Buffer.from(JSON.stringify({ version: 1, cache: { url: 'https://cache.example/', publicKey: 'k-1:AAAA' }, packages: {} }));
    return [lock, small];
  },
  async run(bytes) {
    const p = join(dir, 'lock.json');
    writeFileSync(p, bytes);
    const lock = await loadLock(p);
    await typedOk(() => resolvePackage(lock, 'busybox', 'fuzz'));
  },
};
export default target;
