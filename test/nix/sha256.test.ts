import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSha256, haveNativeSha256 } from '../../src/nix/sha256.js';
import { haveRequirement } from '../helpers/peer.js';

describe('SHA-256 on the thread pool (sha256.ts)', () => {
  const native = haveRequirement(haveNativeSha256(), "OpenSSL's EVP digest calls of the node binary through koffi");
  it.skipIf(!native)('the thread-pool hasher is in use (not the node:crypto fallback)', () => {
    expect(haveNativeSha256()).toBe(true);
  });

  it('gives node:crypto digests for any chunking, empty chunks and empty input included', async () => {
    const data = randomBytes(3 << 20);
    for (const sizes of [[0], [1], [64], [1 << 20, 0, 5, 1000], [3 << 20], [333_333, 1, 65_536]]) {
      for (const native of [true, false]) {
        const h = createSha256({ native });
        let pos = 0;
        for (let i = 0; pos < data.length && i < 1000; i++) {
          const n = sizes[i % sizes.length]!;
          const chunk = data.subarray(pos, pos + n);
          await h.update(chunk);
          pos += chunk.length;
          if (sizes.length === 1 && n === 0) break;
        }
        const want = createHash('sha256').update(data.subarray(0, pos)).digest('hex');
        expect(h.digest().toString('hex')).toBe(want);
        h.dispose();
      }
    }
  });

  it('contexts given back while an update runs are reused only after it (many hashes at once)', async () => {
    const inputs = Array.from({ length: 40 }, (_, i) => randomBytes(50_000 + i * 997));
    const results = await Promise.all(
      inputs.map(async (buf, i) => {
        const h = createSha256();
        if (i % 5 === 0) {
          // abandoned mid-way, as a failed download is
          void h.update(buf);
          h.dispose();
          return null;
        }
        for (let at = 0; at < buf.length; at += 8192) await h.update(buf.subarray(at, at + 8192));
        const d = h.digest().toString('hex');
        h.dispose();
        return d;
      }),
    );
    results.forEach((d, i) => {
      if (d !== null) expect(d).toBe(createHash('sha256').update(inputs[i]!).digest('hex'));
    });
  });
});
