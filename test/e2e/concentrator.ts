/**
 * A PPPoE access concentrator for end-to-end tests: rp-pppoe's pppoe-server with Debian's pppd
 * (as the server side: PAP/CHAP, addresses, DNS) and busybox httpd, in an x86_64 QEMU guest
 * booting the host's Debian kernel with an initramfs made here from the host's own binaries.
 *
 * Why a guest and not a network namespace on the host: pppd needs the kernel's PPP driver
 * (/dev/ppp, ppp_generic, ppp_async for pppoe-server's pty sessions), and a host kernel without
 * CONFIG_PPP (as on the CI machines) makes the server's pppd exit at once, so the router sees
 * its session hang up right after discovery. Debian's kernel has PPP as modules, loaded here.
 * The guest's NICs join the router's over QEMU UDP socket networks (no root, no tap needed).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants, existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { hasTool } from '../helpers/peer.js';
import { Console } from './console.js';

/** pppoe-server runs pppd on a pty to its `pppoe` relay per session: no pppd plugin needed. */
const HOST_BINARIES = ['/usr/sbin/pppoe-server', '/usr/sbin/pppoe', '/usr/sbin/pppd', '/bin/busybox'];
/** Kernel modules the guest loads, dependencies first (Debian builds them as modules). */
const MODULES = ['drivers/net/slip/slhc.ko', 'drivers/net/ppp/ppp_generic.ko', 'drivers/net/ppp/ppp_async.ko', 'drivers/net/ppp/pppox.ko', 'drivers/net/ppp/pppoe.ko', 'drivers/net/ethernet/intel/e1000/e1000.ko'];

export interface HostKernel {
  vmlinuz: string;
  modules: string;
}

/** The newest /boot/vmlinuz-* whose modules include PPPoE, or why none can be used. */
export function findHostKernel(): HostKernel | string {
  const boot = existsSync('/boot') ? readdirSync('/boot').filter((f) => f.startsWith('vmlinuz-')).sort().reverse() : [];
  for (const f of boot) {
    const modules = `/lib/modules/${f.slice('vmlinuz-'.length)}/kernel`;
    if (!MODULES.every((m) => existsSync(join(modules, m)))) continue;
    try {
      accessSync(join('/boot', f), constants.R_OK);
    } catch {
      return `/boot/${f} is not readable (run as root)`;
    }
    return { vmlinuz: join('/boot', f), modules };
  }
  return 'no /boot/vmlinuz-* with PPPoE and e1000 modules (Debian package linux-image-amd64)';
}

/** What the concentrator needs on the host, or '' when all is there. */
export function concentratorMissing(): string {
  const missing = [...['qemu-system-x86_64', 'ldd'].filter((t) => !hasTool(t)), ...HOST_BINARIES.filter((b) => !existsSync(b))];
  const k = findHostKernel();
  if (typeof k === 'string') missing.push(k);
  return missing.join(', ');
}

/** A free UDP port on 127.0.0.1 (for QEMU socket networks). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(r));
  return port;
}

/** One cpio "newc" entry (the initramfs format): 110-byte ASCII header, name and data 4-aligned. */
function cpioEntry(name: string, mode: number, data: Buffer, ino: number): Buffer {
  const nameBytes = Buffer.from(`${name}\0`);
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`, 'latin1');
  const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  return Buffer.concat([header, nameBytes, pad(header.length + nameBytes.length), data, pad(data.length)]);
}

/** Shared libraries (and the loader) of host ELF files, as ldd resolves them. */
function sharedLibraries(files: string[]): string[] {
  const libs = new Set<string>();
  for (const f of files) {
    // A static busybox has none ("not a dynamic executable", status 1).
    const out = spawnSync('ldd', [f], { encoding: 'utf8' }).stdout;
    for (const m of out.matchAll(/(?:=> )?(\/\S+) \(0x/g)) libs.add(m[1]!);
  }
  return [...libs].sort();
}

export interface ConcentratorFiles {
  /** path in the guest → contents */
  [path: string]: string;
}

/**
 * The initramfs: the host's busybox, pppoe-server, pppoe, pppd and their libraries,
 * the PPP and e1000 modules of `kernel`, /init and `files` (pppd options, secrets, web page).
 */
export function concentratorInitramfs(out: string, kernel: HostKernel, files: ConcentratorFiles): void {
  const elves = HOST_BINARIES;
  const entries: Array<[string, number, Buffer]> = [];
  const dirs = new Set<string>();
  const addDir = (path: string) => {
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push([d, 0o40755, Buffer.alloc(0)]);
      }
    }
  };
  const addFile = (path: string, data: Buffer, mode = 0o100755) => {
    addDir(path.slice(0, path.lastIndexOf('/')));
    entries.push([path.replace(/^\//, ''), mode, data]);
  };
  for (const d of ['/proc', '/sys', '/dev', '/run', '/tmp', '/bin', '/sbin', '/usr/bin', '/usr/sbin', '/etc/ppp', '/srv/www', '/lib/modules']) addDir(d);
  // Library paths as ldd names them, each a regular file (the host's may be links).
  for (const f of [...elves, ...sharedLibraries(elves)]) addFile(f, readFileSync(realpathSync(f)));
  for (const m of MODULES) addFile(`/lib/modules/${m.slice(m.lastIndexOf('/') + 1)}`, readFileSync(join(kernel.modules, m)), 0o100644);
  addFile('/init', Buffer.from(INIT));
  for (const [path, text] of Object.entries(files)) addFile(path, Buffer.from(text), path.includes('secrets') ? 0o100600 : 0o100644);
  addDir('/var');
  entries.push(['var/run', 0o120777, Buffer.from('/run')], ['var/lock', 0o120777, Buffer.from('/run/lock')]);
  const body = entries.map(([name, mode, data], i) => cpioEntry(name, mode, data, i + 1));
  writeFileSync(out, Buffer.concat([...body, cpioEntry('TRAILER!!!', 0, Buffer.alloc(0), 0)]));
}

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /run/lock
mount -t devpts devpts /dev/pts
for m in slhc ppp_generic ppp_async pppox pppoe e1000; do insmod /lib/modules/$m.ko || echo "insmod $m failed"; done
hostname concentrator
syslogd -O /run/messages
ip link set lo up
ip link set eth0 up
ip link set eth1 up
httpd -p 80 -h /srv/www
echo "concentrator ready"
exec sh
`;

export interface Concentrator {
  con: Console;
  qemu: ChildProcess;
  /** Send a QEMU monitor command (e.g. `set_link isp off`). */
  monitor(cmd: string): Promise<string>;
  stop(): Promise<void>;
}

/** Boot the concentrator guest: NIC `isp` (eth0) and `lan` (eth1) on the given socket netdevs. */
export async function bootConcentrator(work: string, kernel: HostKernel, initramfs: string, nets: { isp: string; lan: string }): Promise<Concentrator> {
  const mon = join(work, 'ac-monitor.sock');
  const args = [
    '-M', 'pc', '-m', '256', '-nodefaults', '-no-reboot', '-display', 'none',
    '-serial', 'stdio', '-monitor', `unix:${mon},server=on,wait=off`,
    '-kernel', kernel.vmlinuz, '-initrd', initramfs,
    '-append', 'console=ttyS0 quiet loglevel=3 panic=-1',
    '-netdev', `${nets.isp},id=isp`, '-device', 'e1000,netdev=isp,romfile=,mac=52:54:00:ac:00:01',
    '-netdev', `${nets.lan},id=lan`, '-device', 'e1000,netdev=lan,romfile=,mac=52:54:00:ac:00:02',
  ];
  const qemu = spawn('qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const con = new Console(qemu);
  const stop = async () => {
    if (qemu.exitCode !== null) return;
    qemu.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    if (qemu.exitCode === null) qemu.kill('SIGKILL');
  };
  try {
    await con.waitFor(/concentrator ready/, 240_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const monitor = (cmd: string) =>
    new Promise<string>((resolve, reject) => {
      const s = connect(mon);
      let text = '';
      s.on('data', (d) => {
        text += d.toString('latin1');
        // The monitor greets, echoes the command and prompts again when it is done.
        if (text.split('(qemu)').length > 2) s.end();
      });
      s.on('connect', () => s.write(`${cmd}\n`));
      s.on('error', reject);
      s.on('close', () => resolve(text));
    });
  return { con, qemu, monitor, stop };
}
