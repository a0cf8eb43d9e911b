import { resolve } from 'node:path';
import { fstabFile, groupFile, hostsFile, inittabFile, passwdFile, shadowFile } from '../rootfs/etc.js';
import { serviceOrder, supervisorFiles } from '../rootfs/services.js';
import { ConfigError, OptionError } from './errors.js';
import { checkConfigShape, loadConfig, loadLock, resolvePackage } from './load.js';
import { mergeValues, stripOverrides } from './merge.js';
import { validateOptions, type Contribution, type ModuleContext } from './modules.js';
import { rcS } from './modules/base.js';
import { appletsOf } from './modules/busybox.js';
import { MODULES } from './modules/index.js';
import { deviceFromSpec } from '../image/devices.js';
import type { BusyboxOptions, DeviceRequirement, Lock, NixwrtConfig, OverlaySpec, System, SystemFile, SystemService, SystemUser } from './types.js';

/** Modules every system has, evaluated first (a config may list them to set options). */
const IMPLICIT = ['base', 'busybox'];

/** Load a config file and evaluate it: the usual entry point for the CLI and the image stage. */
export async function loadSystem(path: string, opts: { lock?: Lock; cacheDir?: string; inputs?: Set<string> } = {}): Promise<System> {
  const { config, dir, path: abs } = await loadConfig(path, { cacheDir: opts.cacheDir, inputs: opts.inputs });
  if (!opts.lock) opts.inputs?.add(resolve(dir, config.lock));
  return evaluateConfig(config, { dir, where: abs, lock: opts.lock });
}

/**
 * Evaluate a config: merge the option sets of each module, validate them, collect every
 * module's contribution under the explicit merge rules, render the files that depend on the
 * merged whole (passwd, group, shadow, fstab, hosts, inittab, rcS, supervisor), resolve packages.
 */
export async function evaluateConfig(config: NixwrtConfig, opts: { dir: string; where?: string; lock?: Lock }): Promise<System> {
  const where = opts.where ?? 'config';
  checkConfigShape(config, where);
  const lock = opts.lock ?? (await loadLock(resolve(opts.dir, config.lock)));
  const customDevice = typeof config.device === 'string' ? undefined : deviceFromSpec(config.device, opts.dir, where);
  const deviceName = customDevice?.name ?? (config.device as string);

  // 1. Module uses, in order, with option sets merged per module.
  const optionOwners = new Map<string, string>();
  const rawOptions = new Map<string, unknown>(IMPLICIT.map((n) => [n, undefined]));
  const firstUse = new Map<string, number>();
  (config.modules ?? []).forEach((use, i) => {
    if (!firstUse.has(use.name)) firstUse.set(use.name, i);
    if (!Object.hasOwn(MODULES, use.name)) {
      throw new ConfigError('unknown-module', `${where}: modules[${i}]: unknown module '${use.name}' (known: ${Object.keys(MODULES).sort().join(', ')})`);
    }
    rawOptions.set(use.name, mergeValues(rawOptions.get(use.name), use.options ?? {}, `modules[${i}]`, optionOwners, use.name));
  });

  // 2. Validate every module's options before anything contributes.
  const validated = new Map<string, unknown>();
  for (const [name, raw] of rawOptions) {
    try {
      validated.set(name, validateOptions(MODULES[name]!, stripOverrides(raw ?? {})));
    } catch (err) {
      // Name the config and the key path of the (first) use of the module.
      const i = firstUse.get(name);
      if (err instanceof OptionError && i !== undefined) throw new OptionError(err.code, err.module, err.option, err.detail, `${where}: modules[${i}]`);
      throw err;
    }
  }
  const applets = new Set(appletsOf(validated.get('busybox') as BusyboxOptions));

  // 3. Contributions, merged in module order; config-level pieces last.
  const owners = new Map<string, string>();
  const packageNames = new Map<string, string>(); // name → who wanted it first
  const want = (name: string, who: string) => {
    resolvePackage(lock, name, who);
    if (!packageNames.has(name)) packageNames.set(name, who);
  };
  let merged: unknown = {};
  for (const [name, o] of validated) {
    const who = `module ${name}`;
    const ctx: ModuleContext = {
      hostname: config.hostname,
      device: deviceName,
      applets,
      uses: (m) => rawOptions.has(m),
      pkg: (p) => {
        want(p, who);
        return lock.packages[p]!;
      },
    };
    let c: Contribution;
    try {
      c = MODULES[name]!.contribute(o, ctx);
    } catch (err) {
      const i = firstUse.get(name);
      if (err instanceof OptionError && i !== undefined) throw new OptionError(err.code, err.module, err.option, err.detail, `${where}: modules[${i}]`);
      throw err;
    }
    for (const p of c.packages ?? []) want(p, who);
    merged = mergeValues(merged, c, who, owners);
  }
  for (const p of config.packages ?? []) want(p, `${where}: packages`);
  if (config.kernelPackage !== undefined) resolvePackage(lock, config.kernelPackage, `${where}: kernelPackage`);
  merged = mergeValues(merged, { kernelCmdline: config.kernelCmdline ?? [] } satisfies Contribution, 'config', owners);

  // 4. Render what depends on the merged whole; a module's override() of these files wins.
  const c = stripOverrides(merged) as Contribution;
  const users = normalizeUsers(c);
  const groups = normalizeGroups(c, users, where);
  const services = normalizeServices(c);
  const mounts = Object.fromEntries(Object.entries(c.mounts ?? {}).map(([mp, m]) => [mp, { device: m.device, fstype: m.fstype, options: m.options ?? [] }]));
  const order = serviceOrder(services);
  const baseOpts = validated.get('base') as { console: string };
  const rendered: Record<string, { content: string; mode?: number }> = {
    '/etc/passwd': { content: passwdFile(users) },
    '/etc/group': { content: groupFile(groups) },
    '/etc/shadow': { content: shadowFile(users), mode: 0o600 },
    '/etc/fstab': { content: fstabFile(mounts) },
    '/etc/hosts': { content: hostsFile(config.hostname, c.hosts ?? {}) },
    '/etc/inittab': { content: inittabFile(baseOpts.console, order.map((n) => ({ name: n, restart: services[n]!.restart }))) },
    '/etc/rc.d/rcS': { content: rcS(mounts), mode: 0o755 },
    ...supervisorFiles(services),
  };
  const withRendered = stripOverrides(mergeValues(merged, { files: rendered, symlinks: { '/bin/svc-status': '/etc/svc/status' } }, 'generated files', owners)) as Contribution;

  const files: Record<string, SystemFile> = {};
  for (const [p, f] of Object.entries(withRendered.files ?? {})) {
    files[p] = { content: f.content as string | Uint8Array, mode: (f.mode as number | undefined) ?? 0o644, uid: (f.uid as number | undefined) ?? 0, gid: (f.gid as number | undefined) ?? 0 };
  }
  const overlays: OverlaySpec[] = (config.overlay === undefined ? [] : Array.isArray(config.overlay) ? config.overlay : [config.overlay]).map((o) =>
    'dir' in o ? { dir: resolve(opts.dir, o.dir) } : { tarball: resolve(opts.dir, o.tarball) },
  );
  const system: System = {
    device: deviceName,
    ...(customDevice ? { customDevice } : {}),
    hostname: config.hostname,
    lock,
    packages: [...packageNames.keys()].sort().map((name) => ({ name, storePath: lock.packages[name]! })),
    files: sortKeys(files),
    directories: sortKeys(Object.fromEntries(Object.entries(withRendered.directories ?? {}).map(([p, d]) => [p, { mode: (d.mode as number | undefined) ?? 0o755, uid: 0, gid: 0 }]))),
    symlinks: sortKeys(Object.fromEntries(Object.entries(withRendered.symlinks ?? {}).map(([p, t]) => [p, { target: t as string }]))),
    devices: sortKeys(Object.fromEntries(Object.entries(withRendered.devices ?? {}).map(([p, d]) => [p, { type: d.type, major: d.major, minor: d.minor, mode: d.mode ?? 0o600 }]))),
    users,
    groups,
    services,
    mounts,
    kernelCmdline: c.kernelCmdline ?? [],
    requirements: [...new Set<DeviceRequirement>(c.requirements ?? [])].sort(),
    overlays,
    outputs: { compression: config.outputs?.compression ?? 'xz', padjffs2: config.outputs?.padjffs2 ?? false, ...(config.outputs?.wanted ? { wanted: config.outputs.wanted } : {}) },
    modules: [...rawOptions.keys()],
  };
  if (config.kernelPackage !== undefined) system.kernelPackage = config.kernelPackage;
  if (c.phram !== undefined) system.phram = { ...c.phram, vars: c.phram.vars ?? {} };
  checkPaths(system, where);
  return system;
}

function normalizeUsers(c: Contribution): Record<string, SystemUser> {
  const out: Record<string, SystemUser> = {};
  for (const [name, u] of Object.entries(c.users ?? {})) {
    out[name] = { uid: u.uid, gid: u.gid ?? u.uid, home: u.home ?? '/var/empty', shell: (u.shell as string | undefined) ?? '/bin/false', gecos: u.gecos ?? name, passwordHash: (u.passwordHash as string | undefined) ?? '*' };
  }
  return sortKeys(out);
}

function normalizeGroups(c: Contribution, users: Record<string, SystemUser>, where: string) {
  const out: Record<string, { gid: number; members: string[] }> = {};
  for (const [name, g] of Object.entries(c.groups ?? {})) out[name] = { gid: g.gid, members: [...(g.members ?? [])] };
  const gids = new Set(Object.values(out).map((g) => g.gid));
  for (const [name, u] of Object.entries(users)) {
    if (!gids.has(u.gid)) throw new ConfigError('config-invalid', `${where}: user ${name} has gid ${u.gid} but no group has that gid`);
  }
  return sortKeys(out);
}

function normalizeServices(c: Contribution): Record<string, SystemService> {
  const out: Record<string, SystemService> = {};
  for (const [name, s] of Object.entries(c.services ?? {})) {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) throw new ConfigError('config-invalid', `service name '${name}' must match [A-Za-z][A-Za-z0-9_-]*`);
    out[name] = { run: s.run as string, dependsOn: [...(s.dependsOn ?? [])].sort(), restart: s.restart ?? true };
  }
  return sortKeys(out);
}

/** Every path absolute and normalised, and used by one kind of entry only. */
function checkPaths(s: System, where: string): void {
  const kinds = new Map<string, string>();
  const add = (p: string, kind: string) => {
    if (!/^\/[^\0]*$/.test(p) || p !== '/' && (p.endsWith('/') || /\/\.{0,2}(\/|$)/.test(p))) {
      throw new ConfigError('config-invalid', `${where}: ${kind} path '${p}' is not a normalised absolute path`);
    }
    const prev = kinds.get(p);
    if (prev !== undefined) throw new ConfigError('config-invalid', `${where}: '${p}' is both a ${prev} and a ${kind}`);
    kinds.set(p, kind);
  };
  for (const p of Object.keys(s.files)) add(p, 'file');
  for (const p of Object.keys(s.directories)) add(p, 'directory');
  for (const p of Object.keys(s.symlinks)) add(p, 'symlink');
  for (const p of Object.keys(s.devices)) add(p, 'device node');
}

function sortKeys<T>(r: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]!]));
}
