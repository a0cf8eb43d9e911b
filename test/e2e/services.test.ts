/**
 * End to end on QEMU Malta for what the flash examples carry but no emulator can run on their
 * SoCs: examples/arhcive.ts moved to qemu-malta (its usbdisk dropped: no USB disk here, the
 * rsync module's directory comes from an overlay) with hostapd and ppp added to the closure.
 * Booted with `nixwrt run`: hostapd and pppd from the fixture closure run (the rp-pppoe plugin
 * finds kernel PPPoE support), and rsyncd is supervised and answers the rsync protocol on a
 * forwarded loopback port. hostapd with a radio: wifi.test.ts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build.js';
import { loadConfig, loadSystem, type System } from '../../src/config/index.js';
import { havePeers } from '../helpers/peer.js';
import type { Console } from './console.js';
import { type Booted, bootEmulator, fixturePackages, freePort, retry, servicesUp } from './qemu.js';
import { slow } from '../helpers/slack.js';

const root = join(import.meta.dirname, '..', '..');
const lockPackages = fixturePackages('kernel-malta', 'hostapd', 'ppp', 'rsync');

describe.skipIf(!havePeers('qemu-system-mipsel'))('arhcive on qemu-malta, with hostapd and ppp, end to end', () => {
  const work = mkdtempSync(join(tmpdir(), 'nixwrt-e2e-services-'));
  const out = join(work, 'out');
  let booted: Booted | undefined;
  let con: Console;
  let system: System;
  let rsyncPort = 0;

  beforeAll(async () => {
    const ex = await loadConfig(join(root, 'examples', 'arhcive.ts'));
    const overlay = join(work, 'overlay');
    mkdirSync(join(overlay, 'srv', 'backup'), { recursive: true });
    writeFileSync(join(overlay, 'srv', 'backup', 'README'), 'nightly backups land here\n');
    const config = {
      ...ex.config,
      device: 'qemu-malta',
      lock: resolve(ex.dir, ex.config.lock!),
      modules: ex.config.modules!.filter((m) => m.name !== 'usbdisk'),
      packages: [...(ex.config.packages ?? []), 'hostapd', 'ppp'],
      overlay: { dir: overlay },
      outputs: { wanted: ['emulator', 'manifest'] },
    };
    writeFileSync(join(work, 'arhcive-malta.json'), JSON.stringify(config));
    system = await loadSystem(join(work, 'arhcive-malta.json'));
    await build({ config: join(work, 'arhcive-malta.json'), outDir: out, cacheDir: join(work, 'cache'), jobs: 2 });
    rsyncPort = await freePort();
    booted = await bootEmulator(join(out, 'emulator'), { forwards: [[rsyncPort, 873]] });
    con = booted.con;
  }, slow(400_000));

  afterAll(async () => {
    await booted?.stop();
  });

  it('runs hostapd from the closure', async () => {
    // `hostapd -v` prints its version and exits 1 by design.
    expect(await con.run(`${lockPackages.hostapd}/bin/hostapd -v; echo "exit=$?"`)).toMatch(/^hostapd v2\.10\n[\s\S]*exit=1\n$/);
  });

  it('runs pppd from the closure, and its rp-pppoe plugin is there', async () => {
    expect(await con.run(`${lockPackages.ppp}/bin/pppd --version; echo "exit=$?"`)).toBe('pppd version 2.4.9\nexit=0\n');
    expect(await con.run(`ls ${lockPackages.ppp}/lib/pppd`)).toBe('openl2tp.so\npppoe.so\npppol2tp.so\nrp-pppoe.so\n');
  });

  it("loads the rp-pppoe plugin by the path defalutroute.ts's pppoe peer file names", async () => {
    const peer = (await loadSystem(join(root, 'examples', 'defalutroute.ts'))).files['/etc/ppp/peers/pppoe']!.content;
    const plugin = /^plugin (\S+)$/m.exec(String(peer))![1]!;
    expect(plugin).toBe(`${lockPackages.ppp}/lib/pppd/rp-pppoe.so`);
    // pppd loads plugins while it reads its options; the plugin then looks for kernel PPPoE
    // support (it says "Linux kernel does not support PPPoE" on a kernel without CONFIG_PPPOE).
    const r = await con.run(`${lockPackages.ppp}/bin/pppd plugin ${plugin} --version; echo "exit=$?"`);
    expect(r).toBe(`Plugin ${plugin} loaded.\npppd version 2.4.9\nexit=0\n`);
    // The PPP channel device (major 108) that pppd opens, from CONFIG_PPP via devtmpfs.
    expect(await con.run(`stat -c '%F %t,%T' /dev/ppp`)).toBe('character special file 6c,0\n');
  });

  it('runs rsyncd under the supervisor since boot', async () => {
    const status = await servicesUp(con, ['rsyncd']);
    expect(status).toMatch(/^rsyncd running \d+ starts=1$/m);
    await new Promise((r) => setTimeout(r, 5000));
    expect(await con.run('/etc/svc/status')).toBe(status);
    expect(await con.run('cat /etc/rsyncd.conf')).toBe(String(system.files['/etc/rsyncd.conf']!.content));
  }, slow(60_000));

  it('answers the rsync protocol on the forwarded port and lists the backup module', async () => {
    // The guest gets its address by DHCP: retry for a while.
    await retry(async () => {
      const reply = await rsyncList(rsyncPort);
      expect(reply).toMatch(/^@RSYNCD: \d+/);
      expect(reply).toMatch(/^backup\s+nightly backups$/m);
      expect(reply).toMatch(/^@RSYNCD: EXIT$/m);
    });
  }, slow(120_000));
});

/** The rsync daemon handshake and `#list` request (what `rsync rsync://HOST:PORT/` sends). */
function rsyncList(port: number): Promise<string> {
  return new Promise((resolveList, reject) => {
    const sock = connect(port, '127.0.0.1');
    let text = '';
    let sent = false;
    sock.setTimeout(10_000, () => sock.destroy(new Error(`no rsync reply in 10 s: ${JSON.stringify(text)}`)));
    sock.on('data', (d) => {
      text += d.toString('utf8');
      if (!sent && text.includes('\n')) {
        sent = true;
        sock.write('@RSYNCD: 31.0\n#list\n');
      }
      if (/^@RSYNCD: EXIT$/m.test(text)) sock.end();
    });
    sock.on('error', reject);
    sock.on('close', () => (/@RSYNCD: EXIT/.test(text) ? resolveList(text) : reject(new Error(`rsync reply ended early: ${JSON.stringify(text)}`))));
  });
}
