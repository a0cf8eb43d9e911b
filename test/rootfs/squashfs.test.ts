import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSystem } from '../../src/config/evaluate.js';
import { buildRootfs } from '../../src/rootfs/builder.js';
import { writeSquashfs } from '../../src/squashfs/index.js';
import { havePeers } from '../helpers/peer.js';
import { fixtureClosure } from './fixture-closure.js';
import { bytesOf, lookup } from './helpers.js';
import { slow } from '../helpers/slack.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cache = join(root, 'fixtures/cache');

describe.skipIf(!havePeers('unsquashfs') || !existsSync(join(cache, 'nix-cache-info')))('rootfs of examples/emu.ts as squashfs', () => {
  it('unsquashfs lists and extracts the generated /etc, /bin links, device nodes and the store', async () => {
    const system = await loadSystem(join(root, 'examples/emu.ts'));
    const closure = await fixtureClosure(cache, system.packages.map((p) => p.storePath));
    const tree = await buildRootfs(system, closure, { mtime: 1700000000 });
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-emu-sqfs-'));
    const img = join(dir, 'rootfs.squashfs');
    await writeSquashfs(tree, img, { comp: 'gzip', level: 1, mkfsTime: 1700000000, jobs: 0 });

    // -lln: numeric owners, modes, device numbers.
    const listing = execFileSync('unsquashfs', ['-lln', '-d', '', img], { maxBuffer: 64 << 20 }).toString();
    const line = (p: string) => listing.split('\n').find((l) => l.endsWith(` ${p}`) || l.includes(` ${p} -> `));
    expect(line('/etc/inittab')).toMatch(/^-rw-r--r-- 0\/0 /);
    expect(line('/etc/shadow')).toMatch(/^-rw------- 0\/0 /);
    expect(line('/root')).toMatch(/^drwx------ 0\/0 /);
    expect(line('/tmp')).toMatch(/^drwxrwxrwt 0\/0 /);
    expect(line('/dev/console')).toMatch(/^crw------- 0\/0\s+5,\s+1 /);
    expect(line('/bin/sh')).toMatch(new RegExp(`^lrwxrwxrwx 0/0 .* /bin/sh -> ${system.packages[0]!.storePath}/bin/busybox$`));
    expect(listing.split('\n').filter((l) => / 0\/0 /.test(l) === false && l.startsWith('-')).length).toBe(0);

    // Extract (device nodes need root: -no-... is not portable, so extract only regular files and links).
    const out = join(dir, 'x');
    execFileSync('unsquashfs', ['-q', '-n', '-d', out, img, '/etc', '/bin', '/root', '/nix'], { stdio: 'pipe' });
    expect(readFileSync(join(out, 'etc/hostname'), 'utf8')).toBe('emu\n');
    expect(readFileSync(join(out, 'etc/inittab'), 'utf8')).toBe(system.files['/etc/inittab']!.content);
    expect(readFileSync(join(out, 'etc/passwd'), 'utf8')).toBe('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/var/empty:/bin/false\n');
    expect(readFileSync(join(out, 'root/.ssh/authorized_keys'), 'utf8')).toMatch(/nixwrt-demo-key-TEST-ONLY\n$/);
    expect(statSync(join(out, 'etc/svc/sshd/run')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(out, 'bin/mount'))).toBe(`${system.packages[0]!.storePath}/bin/busybox`);
    const bb = join(out, system.packages[0]!.storePath, 'bin/busybox');
    expect(lstatSync(bb).size).toBe(closure.get(system.packages[0]!.storePath)!.listing.entries!.bin!.entries!.busybox!.size);
    expect(readFileSync(bb).equals(await bytesOf(lookup(tree, `${system.packages[0]!.storePath}/bin/busybox`)))).toBe(true);
  }, slow(180_000));
});
