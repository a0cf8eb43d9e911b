/**
 * The build's uses of the artefact store: whole artefacts memoised on their inputs, and the
 * squashfs writer's per-block cache.
 */
import type { BlockCache, CachedBlock } from '../squashfs/index.js';
import { decodeDigests, encodeDigests } from '../squashfs/digests.js';
import { artefactKey, type KeyInput } from './key.js';
import type { ArtefactStore } from './store.js';

export type ArtefactInputs = { kind: string } & { [k: string]: KeyInput | undefined };

/** The cached artefact for `inputs`, else `make()`'s result, stored for next time. */
export async function cachedArtefact(
  store: ArtefactStore,
  inputs: ArtefactInputs,
  make: () => Promise<Uint8Array> | Uint8Array,
): Promise<{ bytes: Uint8Array; hit: boolean }> {
  const key = artefactKey(inputs);
  const hit = await store.get(key);
  if (hit) return { bytes: hit, hit: true };
  const bytes = await make();
  await store.put(key, bytes);
  return { bytes, hit: false };
}

/**
 * The squashfs writer's block cache on the store. The writer's key already carries the
 * block's SHA-256, the compressor settings and the block size. Entries are one flag byte
 * (1 = compressed) then the on-disk bytes; puts run in the background until `store.flush()`.
 * `salt` (a hash of the writer's code) keeps blocks of an older compressor apart.
 * Block digests of NAR contents are kept per NAR hash and block size, so a warm build keys
 * its blocks without reading the files.
 */
export function squashfsBlockCache(store: ArtefactStore, salt = ''): BlockCache {
  const keyOf = (k: string) => artefactKey({ kind: 'squashfs-block', block: k, salt });
  return {
    async get(k: string): Promise<CachedBlock | undefined> {
      const v = await store.get(keyOf(k));
      if (!v || v.length < 1 || v[0]! > 1) return undefined;
      return { data: v.subarray(1), compressed: v[0] === 1 };
    },
    put(k: string, b: CachedBlock): void {
      const entry = new Uint8Array(b.data.length + 1);
      entry[0] = b.compressed ? 1 : 0;
      entry.set(b.data, 1);
      store.putLater(keyOf(k), entry);
    },
    metadata: {
      get: (k: string) => store.getSync(keyOf(k)),
      put: (k: string, encoded: Uint8Array) => store.putLater(keyOf(k), encoded),
    },
    digests: {
      async get(narHash: string, blockSize: number) {
        const v = await store.get(artefactKey({ kind: 'squashfs-digests', narHash, blockSize, salt }));
        return v ? decodeDigests(v) : undefined;
      },
      put(narHash: string, blockSize: number, digests: ReadonlyMap<number, Uint8Array[]>) {
        store.putLater(artefactKey({ kind: 'squashfs-digests', narHash, blockSize, salt }), encodeDigests(digests));
      },
    },
  };
}
