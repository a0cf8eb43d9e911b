/**
 * Keys and signatures: line 1 a public key, line 2 a `name:base64` signature, the rest the
 * signed message (a narinfo fingerprint in the seeds).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint, parseNarInfo, parsePublicKey, parseSignature, verifySignature } from '../../../src/nix/index.js';
import { text, utf8, type FuzzTarget } from '../target.js';
import { FIXTURES } from './paths.js';

const target: FuzzTarget = {
  seeds() {
    const key = readFileSync(join(FIXTURES, 'cache.pub'), 'utf8').trim();
    const names = readdirSync(join(FIXTURES, 'cache')).filter((n) => n.endsWith('.narinfo')).sort().slice(0, 6);
    return names.map((n) => {
      const info = parseNarInfo(readFileSync(join(FIXTURES, 'cache', n), 'utf8'));
      return utf8(`${key}\n${info.sigs[0] ?? ''}\n${fingerprint(info)}`);
    });
  },
  run(bytes) {
    const [k = '', s = '', ...rest] = text(bytes).split('\n');
    const key = parsePublicKey(k);
    parseSignature(s);
    verifySignature(rest.join('\n'), s, [key]);
  },
};
export default target;
