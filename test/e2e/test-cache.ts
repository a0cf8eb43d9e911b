/**
 * A small signed binary cache made in a test, for store paths the fixture cache lacks
 * (a stand-in kernel). Uncompressed NARs, narinfos signed with a fresh Ed25519 key, in the
 * layout Nix writes with `nix copy --to file://DIR?compression=none`.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint, narFromTree, nix32Encode, parseHash, serializeNarInfo, type NarInfo, type NarNode } from '../../src/nix/index.js';

export interface TestCache {
  dir: string;
  publicKey: string;
  paths: Record<string, string>;
}

export function makeTestCache(dir: string, items: Record<string, NarNode>, keyName = 'nixwrt-test-1'): TestCache {
  mkdirSync(join(dir, 'nar'), { recursive: true });
  writeFileSync(join(dir, 'nix-cache-info'), 'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n');
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const rawPub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const paths: Record<string, string> = {};
  for (const [name, tree] of Object.entries(items)) {
    const nar = Buffer.concat([...narFromTree(tree)]);
    const hashPart = nix32Encode(randomBytes(20));
    const storePath = `/nix/store/${hashPart}-${name}`;
    const narHash = createHash('sha256').update(nar).digest();
    const narFile = `nar/${nix32Encode(narHash)}.nar`;
    writeFileSync(join(dir, narFile), nar);
    const info: NarInfo = {
      storePath,
      url: narFile,
      compression: 'none',
      fileHash: parseHash(`sha256:${narHash.toString('hex')}`),
      fileSize: nar.length,
      narHash: parseHash(`sha256:${narHash.toString('hex')}`),
      narSize: nar.length,
      references: [],
      sigs: [],
      extra: [],
    };
    info.sigs.push(`${keyName}:${sign(null, Buffer.from(fingerprint(info)), privateKey).toString('base64')}`);
    writeFileSync(join(dir, `${hashPart}.narinfo`), serializeNarInfo(info));
    paths[name] = storePath;
  }
  return { dir, publicKey: `${keyName}:${rawPub.toString('base64')}`, paths };
}
