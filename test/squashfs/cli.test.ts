import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { havePeers } from '../helpers/peer.js';
import { packageRoot } from '../../src/util/package-root.js';
import { sysLibs } from '../../src/squashfs/syslib.js';

const nixwrt = (args: string[], env: Record<string, string> = {}) =>
  execFileSync(process.execPath, [join(packageRoot(), 'bin', 'nixwrt.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

describe.skipIf(!havePeers('mksquashfs', 'unsquashfs'))('nixwrt mksquashfs / unsquashfs', () => {
  const work = mkdtempSync(join(tmpdir(), 'sqfs-cli-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const src = join(work, 'src');
  mkdirSync(join(src, 'bin'), { recursive: true });
  writeFileSync(join(src, 'bin', 'sh'), 'not really a shell\n');
  writeFileSync(join(src, 'README'), 'x'.repeat(200000));
  writeFileSync(join(work, 'pf'), 'dev d 755 0 0\ndev/console c 600 0 0 5 1\n');

  it('writes mksquashfs\'s bytes from a directory and a pseudo file, with SOURCE_DATE_EPOCH', () => {
    const mine = join(work, 'mine.img');
    const ref = join(work, 'ref.img');
    nixwrt(['mksquashfs', src, mine, '--comp', 'xz', '--all-root', '--pseudo-file', join(work, 'pf'), '--jobs', '2'], { SOURCE_DATE_EPOCH: '1234567' });
    execFileSync('mksquashfs', [src, ref, '-noappend', '-quiet', '-no-progress', '-comp', 'xz', '-all-root', '-pf', join(work, 'pf'), '-mkfs-time', '1234567', '-all-time', '1234567']);
    const out = execFileSync('unsquashfs', ['-lls', mine], { encoding: 'utf8' });
    expect(out).toMatch(/crw------- root\/root\s+5,\s+1 1970-01-15 \d\d:\d\d squashfs-root\/dev\/console/);
    if (sysLibs()) expect(Buffer.compare(readFileSync(mine), readFileSync(ref))).toBe(0);
    expect(nixwrt(['unsquashfs', '-l', mine]).split('\n')).toContain('squashfs-root/bin/sh');
    nixwrt(['unsquashfs', '-d', join(work, 'x'), mine]);
    expect(readFileSync(join(work, 'x', 'README'), 'utf8')).toBe('x'.repeat(200000));
  });

  it('prints a coded error for a corrupt image', () => {
    const bad = join(work, 'bad.img');
    writeFileSync(bad, Buffer.alloc(4096));
    const r = (() => {
      try {
        nixwrt(['unsquashfs', '-l', bad]);
        return '';
      } catch (e) {
        return String((e as { stderr?: string }).stderr);
      }
    })();
    expect(r).toContain('[bad-magic]');
  });
});
