import { evaluateConfig } from '../../src/config/evaluate.js';
import { parseLock } from '../../src/config/load.js';
import type { ModuleUse, NixwrtConfig, System } from '../../src/config/types.js';

/** Fake store paths: 32 nix32 characters, then the name. */
export const sp = (name: string) => `/nix/store/${'0123456789abcdfghijklmnpqrsvwxyz'}-${name}`;

export const ALL_PACKAGES = ['busybox', 'dropbear', 'rsync', 'hostapd', 'ppp', 'xl2tpd', 'haveged', 'kexec-tools', 'swconfig'];

export function testLock(names = ALL_PACKAGES) {
  return parseLock({ version: 1, cache: { url: 'http://127.0.0.1:1/', publicKey: 'test-1:AAAA' }, packages: Object.fromEntries(names.map((n) => [n, sp(n)])) }, '/test/lock.json');
}

export function evalModules(modules: ModuleUse[], extra: Partial<NixwrtConfig> = {}, names?: string[]): Promise<System> {
  return evaluateConfig({ device: 'qemu-malta', hostname: 'testbox', lock: 'unused', modules, ...extra }, { dir: '/test', lock: testLock(names) });
}

export const text = (s: System, path: string): string => {
  const f = s.files[path];
  if (!f) throw new Error(`no file ${path}`);
  return typeof f.content === 'string' ? f.content : Buffer.from(f.content).toString('utf8');
};
