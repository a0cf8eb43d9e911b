/** narinfo text → NarInfo, its fingerprint and signature check against the fixture key. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint, parseNarInfo, parsePublicKey, verifyNarInfo } from '../../../src/nix/index.js';
import { text, utf8, type FuzzTarget } from '../target.js';
import { FIXTURES } from './paths.js';

const key = () => parsePublicKey(readFileSync(join(FIXTURES, 'cache.pub'), 'utf8').trim());

const target: FuzzTarget = {
  dictionary: [
    'StorePath: /nix/store/', 'URL: nar/', 'Compression: ', 'FileHash: sha256:', 'FileSize: ', 'NarHash: sha256:', 'NarSize: ', 'References: ',
    'Deriver: ', 'Sig: ', 'CA: fixed:r:sha256:', 'System: ', '18446744073709551616', '9007199254740993', 'sha512:', 'md5:', '\n',
  ],
  seeds() {
    const out: Uint8Array[] = [];
    for (const dir of ['cache', 'cache-none', 'cache-zstd']) {
      const names = readdirSync(join(FIXTURES, dir)).filter((n) => n.endsWith('.narinfo')).sort();
      for (const n of names.slice(0, 4)) out.push(utf8(readFileSync(join(FIXTURES, dir, n), 'utf8')));
    }
    return out;
  },
  run(bytes) {
    const info = parseNarInfo(text(bytes), 'fuzz.narinfo');
    fingerprint(info);
    verifyNarInfo(info, [key()]);
  },
};
export default target;
