/**
 * `nixwrt init DIR`: a project of one's own that builds at once, offline: a config importing
 * `nixwrt-ts`, a lock naming the demo binary cache shipped with nixwrt-ts (fixtures/cache),
 * a README with the next steps, a package.json. Written into a temporary directory beside DIR
 * and renamed into place, so a failure leaves no half-made project.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getDevice } from '../image/devices.js';
import type { Device } from '../image/device.js';
import { packageRoot } from '../util/package-root.js';
import { ProjectError } from './errors.js';

export interface InitOptions {
  /** Built-in device name (default qemu-malta, which boots in `nixwrt run`). */
  device?: string;
}

export interface InitResult {
  dir: string;
  device: string;
  /** Files written, relative to `dir`. */
  files: string[];
}

/** File names of a new project. */
export const PROJECT_FILES = { config: 'nixwrt.config.ts', lock: 'nixwrt.lock.json' } as const;

export async function initProject(target: string, opts: InitOptions = {}): Promise<InitResult> {
  const dir = resolve(target);
  const device = getDevice(opts.device ?? 'qemu-malta');
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (entries !== undefined && entries.length > 0) throw new ProjectError('target-not-empty', `${dir} is not empty: nixwrt init makes a new project in an empty or new directory`);
  const root = packageRoot();
  const demoCache = join(root, 'fixtures', 'cache');
  if (!existsSync(join(demoCache, 'nix-cache-info'))) throw new ProjectError('no-demo-cache', `the demo binary cache ${demoCache} is missing from this nixwrt-ts installation`);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const demoLock = JSON.parse(readFileSync(join(root, 'fixtures', 'lock.json'), 'utf8')) as { cache: { publicKey: string }; packages: Record<string, string> };

  const name = basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'router';
  const lock = {
    version: 1,
    cache: { url: pathToFileURL(demoCache).href, publicKey: demoLock.cache.publicKey },
    // The test-only package of the fixtures is left out.
    packages: Object.fromEntries(Object.entries(demoLock.packages).filter(([n]) => n !== 'nar-edge-cases')),
  };
  const files: Record<string, string> = {
    [PROJECT_FILES.config]: configText(device, name),
    [PROJECT_FILES.lock]: `${JSON.stringify(lock, null, 2)}\n`,
    'README.md': readmeText(device, name),
    'package.json': `${JSON.stringify(packageJson(name, pkg.version, device), null, 2)}\n`,
    '.gitignore': 'out/\nnode_modules/\n',
  };

  await mkdir(dirname(dir), { recursive: true });
  const tmp = await mkdtemp(join(dirname(dir), `.${basename(dir)}.init-`));
  try {
    for (const [f, text] of Object.entries(files)) await writeFile(join(tmp, f), text, { flag: 'wx' });
    await chmod(tmp, 0o755); // mkdtemp made it 0700
    if (entries !== undefined) await rmdir(dir); // empty: checked above
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { dir, device: device.name, files: Object.keys(files) };
}

function hostnameOf(name: string): string {
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(name) ? name : 'router';
}

function configText(device: Device, name: string): string {
  const emulator = device.boot.kind === 'qemu';
  const lines = [
    `// ${name}: a NixWRT-style router image for ${device.description}.`,
    `// Build: npx nixwrt build ${PROJECT_FILES.config}${emulator ? `   Boot: npx nixwrt run out/emulator` : ''}`,
    `// Next steps (README.md has more):`,
    `//  - modules: 'nixwrt eval ${PROJECT_FILES.config}' prints what this evaluates to; docs/config.md`,
    `//    of nixwrt-ts lists every module and its options.`,
    `//  - device: 'nixwrt devices' lists the built-in ones; a device object of your own (addresses,`,
    `//    flash, a DTS file next to this config) works too.`,
    `//  - packages: ${PROJECT_FILES.lock} points at the demo binary cache shipped with nixwrt-ts.`,
    `//    Build your own with Nix and lock it: 'nixwrt lock add NAME=/nix/store/...'.`,
    `import { defineConfig } from 'nixwrt-ts';`,
    ``,
    `export default defineConfig({`,
    `  device: '${device.name}',`,
    `  hostname: '${hostnameOf(name)}',`,
    `  lock: './${PROJECT_FILES.lock}',`,
    `  modules: [`,
    `    { name: 'busybox' },`,
    `    // Log in over ssh: put your public key here ('ssh-ed25519 AAAA... you@host').`,
    `    { name: 'sshd', options: { authorizedKeys: [] } },`,
    `    { name: 'syslog', options: { local: true } },`,
    `    { name: 'dhcpClient', options: { interface: 'eth0' } },`,
    `  ],`,
    `  outputs: { wanted: ['${emulator ? 'emulator' : 'firmware'}', 'manifest'] },`,
    `});`,
    ``,
  ];
  return lines.join('\n');
}

function readmeText(device: Device, name: string): string {
  const emulator = device.boot.kind === 'qemu';
  return `# ${name}

A router image for ${device.description}, made with nixwrt-ts from
prebuilt packages in a Nix binary cache: no Nix needed here.

## Build${emulator ? ' and boot' : ''}

    npx nixwrt build ${PROJECT_FILES.config}        # writes out/
${emulator ? '    npx nixwrt run out/emulator                # serial console here; Ctrl-A x leaves QEMU\n' : '    # out/firmware.bin and the U-Boot scripts next to it: see nixwrt-ts docs/images.md\n'}
(\`nixwrt\` from a global install works the same.)

## Next steps

- Edit \`${PROJECT_FILES.config}\`: modules and their options; \`npx nixwrt eval ${PROJECT_FILES.config}\`
  prints the evaluated system.
- Another board: \`npx nixwrt devices\` lists the built-in ones; a config may also describe a
  device of its own (addresses, flash, a DTS file next to the config).
- Packages of your own: \`${PROJECT_FILES.lock}\` points at the small demo cache shipped with
  nixwrt-ts. Build packages on a machine with Nix, copy them to a binary cache of yours
  (\`nix copy --to file:///srv/cache\`, \`nix store sign\`), then record them here:

      npx nixwrt lock add --lock ${PROJECT_FILES.lock} NAME=/nix/store/...-NAME
      npx nixwrt lock check --lock ${PROJECT_FILES.lock}

  (a new lock: \`nixwrt lock new --cache URL --public-key NAME:KEY\`).
- \`npm install\` gives your editor the types of \`nixwrt-ts\`; without it the \`nixwrt\` command
  uses its own copy.
`;
}

function packageJson(name: string, version: string, device: Device) {
  return {
    name,
    private: true,
    type: 'module',
    scripts: {
      build: `nixwrt build ${PROJECT_FILES.config}`,
      ...(device.boot.kind === 'qemu' ? { start: 'nixwrt run out/emulator' } : {}),
    },
    devDependencies: { 'nixwrt-ts': `^${version}` },
  };
}
