/**
 * What a person expects from errors: the config file and line a config threw at, the key path
 * of a bad option, line:col of bad JSON, "not a store path" for a malformed one, a clear
 * refusal of squashfs 'lzma' and of outputs a device cannot make.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build.js';
import { loadSystem } from '../../src/config/evaluate.js';
import { loadLock } from '../../src/config/load.js';
import { pathInfoEntries } from '../../src/project/lock-edit.js';
import { parseJson } from '../../src/util/json.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'nixwrt-errors-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const lock = JSON.parse(readFileSync(join(root, 'fixtures/lock.json'), 'utf8')) as { cache: { url: string } };
lock.cache.url = join(root, 'fixtures/cache');
writeFileSync(join(work, 'lock.json'), JSON.stringify(lock));
const cacheDir = join(work, 'cache');

function config(name: string, body: string): string {
  const file = join(work, name);
  writeFileSync(file, body);
  return file;
}
const ts = (rest: string) => `import { defineConfig } from 'nixwrt-ts';\nexport default defineConfig({ device: 'qemu-malta', hostname: 'e', lock: './lock.json'${rest} } as never);\n`;

describe('errors a person can act on', () => {
  it('a config that throws: file and line', async () => {
    const file = config('throws.ts', `import { defineConfig } from 'nixwrt-ts';\nconst n: number = 2;\n\nif (n > 1) throw new Error('no such network');\nexport default defineConfig({ device: 'qemu-malta', hostname: 'e', lock: './lock.json' });\n`);
    await expect(loadSystem(file, { cacheDir })).rejects.toMatchObject({ code: 'config-load-failed', message: `${file}:4: no such network` });
  });

  it('a bad option: config file and key path', async () => {
    const file = config('opt.ts', ts(`, modules: [{ name: 'busybox' }, { name: 'rsyncd', options: { modules: { b: { path: '/srv', authUsers: ['ann'] } } } }]`));
    await expect(loadSystem(file, { cacheDir })).rejects.toMatchObject({
      code: 'bad-option',
      message: `${file}: modules[1]: module rsyncd: option modules.b.authUsers: user 'ann' has no entry in secrets`,
    });
    const ntp = config('ntp.ts', ts(`, modules: [{ name: 'ntpd', options: { servers: ['ok.example', 'bad host'] } }]`));
    await expect(loadSystem(ntp, { cacheDir })).rejects.toMatchObject({ code: 'bad-option', message: expect.stringMatching(new RegExp(`^${ntp}: modules\\[0\\]: module ntpd: option servers\\[1\\]: `)) });
  });

  it('bad JSON: line and column', async () => {
    const file = config('bad.json', '{\n  "device": "qemu-malta",\n  "hostname": e\n}\n');
    await expect(loadSystem(file, { cacheDir })).rejects.toMatchObject({ code: 'config-load-failed', message: expect.stringMatching(new RegExp(`^${file}:3:15: invalid JSON`)) });
    writeFileSync(join(work, 'bad-lock.json'), '{ "version": 1,\n  "cache": { "url": "x" },,\n}');
    await expect(loadLock(join(work, 'bad-lock.json'))).rejects.toMatchObject({ code: 'lock-invalid', message: expect.stringMatching(/bad-lock\.json:2:27: invalid JSON/) });
    expect(() => pathInfoEntries('[{"path": "/nix/store/x"', 'pi.json')).toThrow(/^pi\.json:1:25: not JSON/);
    for (const [text, line, column] of [['{"a":1,}', 1, 8], ['[1,2]\n]', 2, 1], ['\n\n  {"a" 1}', 3, 8], ['{"a": tru }', 1, 10]] as const) {
      expect(() => parseJson(text), text).toThrow(expect.objectContaining({ line, column }));
    }
  });

  it('a malformed store path is "not a store path"', async () => {
    const file = config('sp.ts', ts(`, packages: ['/nix/store/busybox']`));
    await expect(loadSystem(file, { cacheDir })).rejects.toMatchObject({ code: 'not-a-store-path', message: expect.stringMatching(/"\/nix\/store\/busybox" \(wanted by .*sp\.ts: packages\) is not a store path/) });
  });

  it("squashfs 'lzma' is refused, not silently xz; unknown outputs are named", async () => {
    const file = config('lzma.ts', ts(`, outputs: { compression: 'lzma' }`));
    await expect(loadSystem(file, { cacheDir })).rejects.toMatchObject({ code: 'config-invalid', message: expect.stringMatching(/outputs\.compression 'lzma': .*write 'xz'/) });
    const w = config('wanted.ts', ts(`, outputs: { wanted: ['emulator', 'tftp'] }`));
    await expect(loadSystem(w, { cacheDir })).rejects.toMatchObject({ code: 'config-invalid', message: expect.stringMatching(/outputs\.wanted\[1\]: "tftp" is not an output/) });
  });

  it("outputs.wanted 'tftpboot' on a device without phramware says what it is and what the device makes", async () => {
    const file = config('tftp.ts', ts(`, outputs: { wanted: ['tftpboot'] }`));
    await expect(build({ config: file, outDir: join(work, 'out'), cacheDir })).rejects.toMatchObject({
      code: 'unsupported-output',
      message: "outputs.wanted 'tftpboot' (tftpboot.txt, the U-Boot script that loads phramware.bin, comes with the phramware output): qemu-malta cannot produce it (it supports: emulator)",
    });
  });
});
