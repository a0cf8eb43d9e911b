/**
 * Configuration types: what a user writes (`NixwrtConfig`, via `defineConfig`) and what the
 * module system evaluates it to (`System`, plain typed data consumed by the rootfs builder
 * and the image stage). Everything here is data: no functions, no classes.
 */

import type { Device, DeviceSpec } from '../image/device.js';

// ---------------------------------------------------------------------------------------
// Override marker
// ---------------------------------------------------------------------------------------

/**
 * A value that wins a merge conflict against a plain value. A plain object (not a class or
 * symbol) so that it survives JSON configs and configs loaded through a second copy of this
 * module (the .ts loader).
 */
export interface Override<T> {
  readonly __nixwrtOverride: true;
  readonly value: T;
}

export function override<T>(value: T): Override<T> {
  return { __nixwrtOverride: true, value };
}

export function isOverride(v: unknown): v is Override<unknown> {
  return typeof v === 'object' && v !== null && (v as { __nixwrtOverride?: unknown }).__nixwrtOverride === true;
}

/** A value, or the same value marked as an override. */
export type Ov<T> = T | Override<T>;

// ---------------------------------------------------------------------------------------
// Lock file (fixtures/lock.json)
// ---------------------------------------------------------------------------------------

/** The lock file as stored on disk. */
export interface LockFile {
  version: 1;
  cache: { url: string; publicKey: string };
  /** Package name → store path. */
  packages: Record<string, string>;
}

/** A loaded lock: the cache URL made absolute (relative URLs are relative to the lock file). */
export interface Lock {
  /** Absolute path of the lock file, for messages. */
  path: string;
  /** `file:///abs/dir` for a relative or file URL, otherwise as written (http, https). */
  cacheUrl: string;
  publicKey: string;
  packages: Record<string, string>;
}

// ---------------------------------------------------------------------------------------
// What a user writes
// ---------------------------------------------------------------------------------------

/** Image outputs the image stage can produce. */
export type OutputName = 'firmware' | 'phramware' | 'emulator' | 'tftpboot' | 'flash' | 'manifest';

/** Squashfs compressors the kernels read ('lzma' is refused: squashfs LZMA is xz, kernels have no squashfs lzma). */
export type SquashfsCompression = 'xz' | 'zstd' | 'gzip' | 'none';

export interface OutputWishes {
  /** Outputs built by default when the CLI does not say (default: the device's default). */
  wanted?: OutputName[];
  /** Squashfs compression (default xz). */
  compression?: SquashfsCompression;
  /** Append an OpenWrt-style padjffs2 tail to firmware.bin. */
  padjffs2?: boolean;
}

/** Extra files copied on top of the generated rootfs, as OpenWrt's FILES=. */
export type OverlaySpec = { dir: string } | { tarball: string };

/** Options of every module, by module name. Modules register their option types here. */
export interface ModuleOptionsMap {
  base: BaseOptions;
  busybox: BusyboxOptions;
  sshd: SshdOptions;
  ntpd: NtpdOptions;
  syslog: SyslogOptions;
  dhcpClient: DhcpClientOptions;
  dhcpServer: DhcpServerOptions;
  hostapd: HostapdOptions;
  rsyncd: RsyncdOptions;
  pppoe: PppoeOptions;
  phram: PhramOptions;
  switchconfig: SwitchconfigOptions;
  usbdisk: UsbdiskOptions;
  haveged: HavegedOptions;
  l2tp: L2tpOptions;
  kexec: KexecOptions;
}

export type ModuleName = keyof ModuleOptionsMap;

/** Options where any field may be marked override() (wins against another use of the module). */
export type WithOverrides<T> = { [P in keyof T]: T[P] | Override<T[P]> };

/**
 * One entry of `modules`: a module name and its options. A module listed twice has its option
 * sets merged by the same rules as contributions.
 */
export type ModuleUse = {
  [K in ModuleName]: { name: K; options?: WithOverrides<ModuleOptionsMap[K]> };
}[ModuleName];

export interface NixwrtConfig {
  /**
   * A built-in device's name (`nixwrt devices`), e.g. 'qemu-malta', 'gl-mt300n-v2'; or a device
   * of one's own: its facts, or a built-in `base` and what differs (a DTS file relative to the config).
   */
  device: string | DeviceSpec;
  hostname: string;
  /** Lock file path, relative to the config file. */
  lock: string;
  /** Extra packages to put into the closure (names resolved through the lock). */
  packages?: string[];
  /** Modules in use. `base` and `busybox` are always included; list them to set options. */
  modules?: ModuleUse[];
  overlay?: OverlaySpec | OverlaySpec[];
  /** Extra kernel command-line pieces. */
  kernelCmdline?: string[];
  /** Kernel package name, overriding the device's default. */
  kernelPackage?: string;
  outputs?: OutputWishes;
}

/** Identity function that gives a config file its type. */
export function defineConfig(config: NixwrtConfig): NixwrtConfig {
  return config;
}

// ---------------------------------------------------------------------------------------
// Module options (validated at run time by each module; see src/config/modules/)
// ---------------------------------------------------------------------------------------

export interface BaseOptions {
  /** Root's password hash for /etc/shadow ('' = no password, '*' = locked; default '*'). */
  rootPasswordHash?: string;
  /** Console device for the askfirst shell (default 'console'). */
  console?: string;
  /** Extra /etc/hosts lines: name → address. */
  hosts?: Record<string, string>;
  timezone?: string;
}
export interface BusyboxOptions {
  /** Package name in the lock (default 'busybox'). */
  package?: string;
  /** Applets to link in addition to / instead of the default list. */
  extraApplets?: string[];
  /** Link only these applets (default: every applet of Debian's busybox-static). */
  applets?: string[];
}
export interface SshdOptions {
  package?: string;
  port?: number;
  authorizedKeys?: string[];
  /** A dropbear host key (dropbearkey format, base64); generated at first boot when absent. */
  hostKey?: string;
  passwordAuth?: boolean;
}
export interface NtpdOptions {
  servers?: string[];
  /** Package with bin/ntpd, when busybox has no ntpd applet (Debian's has none). */
  package?: string;
}
export interface SyslogOptions {
  /** Remote loghost, `host` or `host:port`. */
  loghost?: string;
  /** Log locally as well (default true): a shared-memory ring logread reads (kernel needs SYSVIPC), copied to /run/log/messages. */
  local?: boolean;
  /** The ring only, no copy in /run/log/messages. */
  ringBuffer?: boolean;
}
export interface DhcpClientOptions {
  interface?: string;
}
export interface DhcpServerOptions {
  interface?: string;
  /** Address/prefix the server's interface gets before udhcpd starts, e.g. '192.168.8.1/24'. */
  address?: string;
  start: string;
  end: string;
  router: string;
  dns?: string[];
  leaseSeconds?: number;
}
export interface HostapdOptions {
  package?: string;
  interface?: string;
  ssid: string;
  psk: string;
  channel?: number;
  countryCode?: string;
  hwMode?: 'g' | 'a';
  /** A bridge for the AP interface; hostapd adds the radio to it. */
  bridge?: string;
  /** Wired interfaces put into `bridge` before hostapd starts (an extender bridges its LAN port). */
  bridgePorts?: string[];
}
export interface RsyncdOptions {
  package?: string;
  port?: number;
  modules: Record<string, { path: string; readOnly?: boolean; comment?: string; authUsers?: string[] }>;
  /** user → password for /etc/rsyncd.secrets. */
  secrets?: Record<string, string>;
}
export interface PppoeOptions {
  package?: string;
  interface: string;
  username: string;
  password: string;
  defaultRoute?: boolean;
  /** Seconds between LCP echo requests (default 30). */
  lcpEchoInterval?: number;
  /** Unanswered LCP echoes after which the line counts as dead and is redialled (default 4). */
  lcpEchoFailure?: number;
}
export interface PhramOptions {
  /** Size of the phram rootfs in MiB (default: the image stage computes it). */
  sizeMiB?: number;
  /** Physical load address for the rootfs image, e.g. '0x1000000'. */
  address?: string;
}
export interface SwitchconfigOptions {
  /** Switch name for swconfig (default 'switch0'). */
  name?: string;
  package?: string;
  vlans: Record<string, string>;
}
export interface UsbdiskOptions {
  /** Block device (default '/dev/sda1'). */
  device?: string;
  mountpoint: string;
  fstype?: string;
  options?: string[];
}
export interface HavegedOptions {
  package?: string;
}
export interface L2tpOptions {
  package?: string;
  pppPackage?: string;
  server: string;
  username: string;
  password: string;
}
export interface KexecOptions {
  package?: string;
}

// ---------------------------------------------------------------------------------------
// The evaluated system (plain data)
// ---------------------------------------------------------------------------------------

/** A generated regular file. Owners are numeric (the rootfs is root-owned unless said). */
export interface SystemFile {
  content: string | Uint8Array;
  /** Permission bits (e.g. 0o644, 0o755). */
  mode: number;
  uid: number;
  gid: number;
}

export interface SystemDir {
  mode: number;
  uid: number;
  gid: number;
}

export interface SystemSymlink {
  target: string;
}

export interface SystemDeviceNode {
  type: 'char' | 'block';
  major: number;
  minor: number;
  mode: number;
}

export interface SystemUser {
  uid: number;
  gid: number;
  home: string;
  shell: string;
  gecos: string;
  /** Hash for /etc/shadow; '*' = locked, '' = no password. */
  passwordHash: string;
}

export interface SystemGroup {
  gid: number;
  members: string[];
}

export interface SystemService {
  /** Command run in the foreground by the supervisor (`sh -c`). */
  run: string;
  /** Services that must be running first. */
  dependsOn: string[];
  /** Restart when it exits (default true); false = run once. */
  restart: boolean;
}

/** Capabilities an image needs from the device profile. */
export type DeviceRequirement = 'wifi' | 'usb' | 'switch' | 'ethernet' | 'phram' | 'kexec' | 'ppp';

export interface SystemMount {
  device: string;
  fstype: string;
  options: string[];
}

export interface SystemPackage {
  name: string;
  storePath: string;
}

/** The evaluated configuration. Paths in `files` etc. are absolute rootfs paths. */
export interface System {
  /** The device's name. */
  device: string;
  /** The config's own device (absent for a built-in one, looked up by name). */
  customDevice?: Device;
  hostname: string;
  lock: Lock;
  /** Root store paths (their closures go into /nix/store), sorted by name, unique. */
  packages: SystemPackage[];
  /** Kernel package name overriding the device's (the image stage resolves it via `lock`). */
  kernelPackage?: string;
  files: Record<string, SystemFile>;
  directories: Record<string, SystemDir>;
  symlinks: Record<string, SystemSymlink>;
  devices: Record<string, SystemDeviceNode>;
  users: Record<string, SystemUser>;
  groups: Record<string, SystemGroup>;
  services: Record<string, SystemService>;
  /** fstab entries by mount point (already rendered into files['/etc/fstab']). */
  mounts: Record<string, SystemMount>;
  /** Kernel command-line pieces added by the config and modules, in order, unique. */
  kernelCmdline: string[];
  /** Device capabilities the modules need, sorted, unique. */
  requirements: DeviceRequirement[];
  /** phram settings when the phram module is used; the image stage writes /etc/phram.vars. */
  phram?: { sizeMiB?: number; address?: string; vars: Record<string, string> };
  /** Overlays, paths made absolute. Applied last, in order. */
  overlays: OverlaySpec[];
  outputs: { wanted?: OutputName[]; compression: SquashfsCompression; padjffs2: boolean };
  /** Names of the modules that were evaluated, in order. */
  modules: string[];
}
