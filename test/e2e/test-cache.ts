/**
 * A small signed binary cache made in a test, for store paths the fixture cache lacks
 * (a stand-in kernel). Uncompressed NARs, narinfos signed with a fresh Ed25519 key, in the
 * layout Nix writes with `nix copy --to file://DIR?compression=none`.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tinyKernel } from '../helpers/tiny-kernel.js';
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

/**
 * The fixture lock with a small stand-in MT7628 kernel served from a signed test cache, written
 * to WORK/lock.json; returns what a build needs to fetch it, and the stand-in's raw image.
 */
export function standinKernelLock(work: string): { raw: Buffer; substituters: string[]; trustedPublicKeys: string[] } {
  const root = join(import.meta.dirname, '..', '..');
  const fixtureLock = JSON.parse(readFileSync(join(root, 'fixtures', 'lock.json'), 'utf8')) as { packages: Record<string, string> };
  const fixtureKey = readFileSync(join(root, 'fixtures', 'cache.pub'), 'utf8').trim();
  mkdirSync(join(work, 'k'));
  const k = tinyKernel(join(work, 'k'));
  const cache = makeTestCache(join(work, 'testcache'), {
    'linux-standin-mt7628': { type: 'directory', entries: { vmlinux: { type: 'regular', contents: k.vmlinux } } },
  });
  const lock = {
    version: 1,
    cache: { url: join(root, 'fixtures', 'cache'), publicKey: fixtureKey },
    packages: { ...fixtureLock.packages, 'kernel-mt7628': cache.paths['linux-standin-mt7628'] },
  };
  writeFileSync(join(work, 'lock.json'), JSON.stringify(lock));
  return {
    raw: k.raw,
    substituters: [pathToFileURL(join(root, 'fixtures', 'cache')).href, pathToFileURL(cache.dir).href],
    trustedPublicKeys: [fixtureKey, cache.publicKey],
  };
}
