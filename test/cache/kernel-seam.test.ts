/**
 * The kernel stage's cache is keyed before the vmlinux is read: on a hit the raw kernel is
 * never asked for; the DTB, the NAR hash and the device are in the key.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedKernelLzma, cachedStoreFileInfo } from '../../src/cache/build-seams.js';
import { ArtefactStore } from '../../src/cache/index.js';
import { getDevice } from '../../src/image/devices.js';
import { blobInfo } from '../../src/image/manifest.js';
import type { RawImage } from '../../src/kernel/elf/index.js';
import { decodeLzmaAlone } from '../../src/kernel/lzma/index.js';
import { createPool } from '../../src/workers/pool.js';

describe('kernel stage cache', () => {
  const device = getDevice('gl-mt300n-v2');
  const raw: RawImage = { data: new Uint8Array(4096).map((_, i) => i * 31), start: 0x80000000n, entry: 0x80000400n, sections: [] };
  const dtb = new Uint8Array([0xd0, 0x0d, 0xfe, 0xed, 1, 2, 3]);
  const narHash = 'sha256:0000000000000000000000000000000000000000000000000000';

  it('makes the LZMA stream from the raw kernel once, then serves it without asking for the kernel', async () => {
    const store = new ArtefactStore(mkdtempSync(join(tmpdir(), 'nixwrt-kseam-')));
    const pool = createPool({ threads: 0 });
    let asked = 0;
    const rawOf = async () => (asked++, raw);
    const events: string[] = [];
    const onEncode = (e: { phase: string; bytes: number }) => events.push(`${e.phase} ${e.bytes}`);
    const first = await cachedKernelLzma(store, pool, { narHash, device, dtb }, rawOf, onEncode);
    expect(asked).toBe(1);
    // A miss reports the encode (the build's progress line); a hit below reports nothing.
    expect(events).toEqual([`start ${raw.data.length + dtb.length}`, `done ${raw.data.length + dtb.length}`]);
    expect(Array.from(decodeLzmaAlone(first.lzma))).toEqual([...raw.data, ...dtb]);
    expect(first.entry).toBe(device.entryAddress === 'elf' ? 0x80000400 : device.entryAddress);
    const never = async (): Promise<RawImage> => {
      throw new Error('the vmlinux was read on a hit');
    };
    const again = await cachedKernelLzma(store, pool, { narHash, device, dtb }, never, onEncode);
    expect(events).toHaveLength(2);
    expect(again.entry).toBe(first.entry);
    expect(Buffer.from(again.lzma).equals(Buffer.from(first.lzma))).toBe(true);
    // Another DTB or another kernel is another entry.
    await cachedKernelLzma(store, pool, { narHash, device, dtb: dtb.subarray(1) }, rawOf);
    await cachedKernelLzma(store, pool, { narHash: narHash.replace(/0$/, '1'), device, dtb }, rawOf);
    expect(asked).toBe(3);
  });

  it('remembers a store file size and hash by NAR hash', async () => {
    const store = new ArtefactStore(mkdtempSync(join(tmpdir(), 'nixwrt-kseam-')));
    const bytes = new Uint8Array([1, 2, 3]);
    expect(await cachedStoreFileInfo(store, narHash, 'vmlinux', async () => bytes)).toEqual(blobInfo(bytes));
    expect(await cachedStoreFileInfo(store, narHash, 'vmlinux', async () => new Uint8Array())).toEqual(blobInfo(bytes));
  });
});
