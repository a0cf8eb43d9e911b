/**
 * Files of fixture store paths (the kernels kernel-malta, kernel-mt7628; busybox), unpacked
 * from the fixture binary cache with real Nix (`xz -dc NAR | nix-store --restore`).
 * Undefined when the lock does not list the path (kernels: KERNELS=0 fixture builds).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { packageRoot } from '../../src/util/package-root.js';

export function fixtureKernelPath(name: 'kernel-malta' | 'kernel-mt7628'): string | undefined {
  // NIXWRT_KERNEL_MALTA / NIXWRT_KERNEL_MT7628: a vmlinux to use before the fixture has it.
  const override = process.env[`NIXWRT_${name.replace('-', '_').toUpperCase()}`];
  if (override) return override;
  return fixtureFile(name, 'vmlinux');
}

/** A file of a fixture store path, restored from the fixture cache; undefined if not locked. */
export function fixtureFile(name: string, rel: string): string | undefined {
  const fx = join(packageRoot(), 'fixtures');
  const lockFile = join(fx, 'lock.json');
  if (!existsSync(lockFile)) return undefined;
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, string> };
  const storePath = lock.packages[name];
  if (!storePath) return undefined;
  const hash = basename(storePath).split('-')[0]!;
  const narinfo = readFileSync(join(fx, 'cache', `${hash}.narinfo`), 'utf8');
  const url = /^URL: (.*)$/m.exec(narinfo)![1]!;
  const compression = /^Compression: (.*)$/m.exec(narinfo)?.[1] ?? 'bzip2';
  const narFile = join(fx, 'cache', url);
  const nar =
    compression === 'xz'
      ? execFileSync('xz', ['-dc', narFile], { maxBuffer: 1 << 30 })
      : compression === 'zstd'
        ? execFileSync('zstd', ['-dc', narFile], { maxBuffer: 1 << 30 })
        : readFileSync(narFile);
  const dest = join(mkdtempSync(join(tmpdir(), 'nixwrt-fixture-kernel-')), 'out');
  execFileSync('nix-store', ['--restore', dest], { input: nar, maxBuffer: 1 << 20 });
  return join(dest, rel);
}
