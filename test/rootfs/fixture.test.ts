import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSystem } from '../../src/config/evaluate.js';
import { appletNamesFromBinary } from '../../src/config/modules/busybox-applet-table.js';
import { DEBIAN_BUSYBOX_STATIC_APPLETS } from '../../src/config/modules/busybox-applets.js';
import { buildRootfs, resolvePath } from '../../src/rootfs/builder.js';
import { fixtureClosure } from './fixture-closure.js';
import { bytesOf, dump, lookup } from './helpers.js';
import { slow } from '../helpers/slack.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cache = join(root, 'fixtures/cache');

describe.skipIf(!existsSync(join(cache, 'nix-cache-info')))('rootfs of examples/emu.ts from the fixture cache', () => {
  it('holds the dropbear closure under /nix/store, busybox as a NAR slice of the right size', async () => {
    const system = await loadSystem(join(root, 'examples/emu.ts'));
    const closure = await fixtureClosure(cache, system.packages.map((p) => p.storePath));
    expect(closure.size).toBeGreaterThanOrEqual(6); // dropbear, glibc, zlib, libcrypt, libtom*, ...
    const tree = await buildRootfs(system, closure, { mtime: 0 });
    const store = lookup(tree, '/nix/store');
    expect(store?.type === 'dir' && [...store.children.keys()].map((n) => '/nix/store/' + n)).toEqual([...closure.keys()].sort());
    const bbPath = system.packages.find((p) => p.name === 'busybox')!.storePath;
    const bb = lookup(tree, `${bbPath}/bin/busybox`);
    const entry = closure.get(bbPath)!.listing.entries!.bin!.entries!.busybox!;
    expect(bb).toMatchObject({ type: 'file', mode: 0o555, content: { kind: 'nar-slice', offset: entry.narOffset, size: entry.size } });
    expect(entry.size).toBeGreaterThan(2_000_000);
    const bytes = await bytesOf(bb);
    expect(bytes.length).toBe(entry.size);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    // The committed applet list is exactly the applet table of the busybox in the cache.
    expect(appletNamesFromBinary(bytes)).toEqual([...DEBIAN_BUSYBOX_STATIC_APPLETS]);
    // /bin links and dropbear's interpreter resolve inside the tree.
    expect(resolvePath(tree, '/bin/sh', 0)?.type).toBe('file');
    const dropbear = system.packages.find((p) => p.name === 'dropbear')!.storePath;
    const db = resolvePath(tree, `${dropbear}/bin/dropbear`, 0);
    expect(db?.type).toBe('file');
    // Its ELF interpreter (patchelf'd into the store) is in the tree too.
    const interp = /\/nix\/store\/[a-z0-9]{32}-glibc[^\0]*\/ld\.so\.1/.exec((await bytesOf(db)).toString('latin1'));
    expect(interp).not.toBeNull();
    expect(resolvePath(tree, interp![0], 0)?.type).toBe('file');
    expect(lookup(tree, '/etc/inittab')?.type).toBe('file');
    expect((await bytesOf(lookup(tree, '/etc/inittab'))).toString()).toContain('::askfirst:-/bin/sh\n');
    // Determinism over the real closure.
    expect(dump(await buildRootfs(system, closure, { mtime: 0 }))).toEqual(dump(tree));
  }, slow(120_000));
});
