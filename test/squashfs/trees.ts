/**
 * Generated edge-case trees for the squashfs tests: written to a host directory (for
 * mksquashfs and our host scanner) plus a pseudo file for device nodes, fifos and sockets.
 */
import { mkdirSync, writeFileSync, symlinkSync, chmodSync, chownSync, utimesSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

/** Deterministic pseudo-random bytes (not compressible, not zero). */
export function noise(n: number, seed: string): Uint8Array {
  const out = new Uint8Array(n);
  let block = 0;
  for (let at = 0; at < n; at += 32) {
    const h = createHash('sha256').update(`${seed}:${block++}`).digest();
    out.set(h.subarray(0, Math.min(32, n - at)), at);
  }
  return out;
}

/** Half text, half noise: compresses somewhat. */
export function mixed(n: number, seed: string): Uint8Array {
  const out = new Uint8Array(n);
  const text = new TextEncoder().encode(`line ${seed} the quick brown fox jumps over the lazy dog\n`);
  for (let i = 0; i < n; i++) out[i] = text[i % text.length]!;
  const nz = noise(Math.floor(n / 4), seed);
  for (let i = 0; i < nz.length; i++) out[i * 4] = nz[i]!;
  return out;
}

export const PSEUDO = [
  'dev d 755 0 0',
  'dev/console c 600 0 5 5 1',
  'dev/null c 666 0 0 1 3',
  'dev/sda b 660 0 6 8 0',
  'dev/big c 600 0 0 4000 1048000',
  'dev/fifo i 644 12 34 f',
  'dev/sock i 600 1 1 s',
  'dev/ln s 777 0 0 ../etc/passwd',
].join('\n');

/** Build the edge-case tree under a fresh temp dir; returns its path. */
export function makeEdgeTree(opts: { blockSize?: number } = {}): string {
  const bs = opts.blockSize ?? 131072;
  const root = mkdtempSync(join(tmpdir(), 'sqfs-edge-'));
  const f = (p: string, data: Uint8Array | string, mode = 0o644, uid = 0, gid = 0) => {
    writeFileSync(join(root, p), data);
    chownSync(join(root, p), uid, gid); // before chmod: chown clears setuid/setgid
    chmodSync(join(root, p), mode);
  };
  mkdirSync(join(root, 'empty-dir'));
  mkdirSync(join(root, 'etc'));
  f('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  f('etc/empty', '');
  f('etc/shadow', 'root::1::::::\n', 0o600, 0, 42);
  mkdirSync(join(root, 'many'));
  for (let i = 0; i < 320; i++) f(`many/entry-${String(i).padStart(4, '0')}-${'x'.repeat(i % 50)}`, `file ${i}\n`);
  let deep = root;
  for (let i = 0; i < 40; i++) {
    deep = join(deep, `d${i}`);
    mkdirSync(deep);
  }
  writeFileSync(join(deep, 'bottom'), 'deep\n');
  mkdirSync(join(root, 'names'));
  f(`names/${'n'.repeat(255)}`, 'long name\n');
  f('names/ünïcödé', 'utf8\n');
  f('names/with space', 'space\n');
  symlinkSync('t'.repeat(4000), join(root, 'names/long-link'));
  symlinkSync('../etc/passwd', join(root, 'names/rel-link'));
  mkdirSync(join(root, 'sizes'));
  f('sizes/one-block', mixed(bs, 'a'));
  f('sizes/one-block-minus-1', mixed(bs - 1, 'b'));
  f('sizes/one-block-plus-1', mixed(bs + 1, 'c'));
  f('sizes/multi', mixed(3 * bs + 1234, 'd'));
  f('sizes/random', noise(2 * bs + 77, 'e'));
  f('sizes/zeros', new Uint8Array(3 * bs));
  const holes = mixed(4 * bs, 'h');
  holes.fill(0, bs, 3 * bs);
  f('sizes/holes', holes);
  f('sizes/small-zero', new Uint8Array(100));
  f('sizes/dup-1', mixed(2 * bs + 5, 'dup'));
  f('sizes/dup-2', mixed(2 * bs + 5, 'dup'));
  f('sizes/small-dup-1', 'same small\n');
  f('sizes/small-dup-2', 'same small\n');
  mkdirSync(join(root, 'perm'));
  f('perm/setuid', '#!/bin/sh\n', 0o4755);
  f('perm/setgid', '#!/bin/sh\n', 0o2711, 1000, 100);
  f('perm/sticky-ish', 'x', 0o1644, 65534, 65534);
  f('perm/owned', 'y', 0o640, 123456, 654321);
  mkdirSync(join(root, 'perm/sticky-dir'), 0o1777);
  chmodSync(join(root, 'perm/sticky-dir'), 0o1777);
  // Fixed times so images of the same tree compare with timestamps.
  const stamp = (p: string, t: number) => utimesSync(p, t, t);
  stamp(root, 1_600_000_000);
  return root;
}
