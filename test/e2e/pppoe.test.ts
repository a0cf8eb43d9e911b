/**
 * End to end for examples/defalutroute.ts, mirrored on qemu-malta: its WAN port (eth1 here;
 * eth0 is the emulator's user network) dials a real access concentrator, rp-pppoe's
 * pppoe-server with Debian's pppd as the PPP server, in a second QEMU guest (see
 * concentrator.ts for why not a network namespace); its LAN port (eth2) serves DHCP to that
 * guest's second NIC. One boot of each guest for all the cases, in order: PAP, a concentrator
 * crash and restart that now wants CHAP, a wrong password, a link that drops and comes back.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build.js';
import { loadConfig } from '../../src/config/load.js';
import { pppSecrets, shellWord } from '../../src/config/modules/ppp-common.js';
import type { ModuleUse } from '../../src/config/types.js';
import { havePeers, haveRequirement } from '../helpers/peer.js';
import { bootConcentrator, concentratorInitramfs, concentratorMissing, findHostKernel, freeUdpPort, type Concentrator, type HostKernel } from './concentrator.js';
import type { Console } from './console.js';
import { type Booted, bootEmulator, retry } from './qemu.js';
import { slow } from '../helpers/slack.js';

const root = join(import.meta.dirname, '..', '..');
const missing = concentratorMissing();
const ready = havePeers('qemu-system-mipsel') && haveRequirement(missing === '', `PPPoE access concentrator guest: missing ${missing}`);

const SERVER = '10.64.0.1';
const DNS = ['10.64.0.53', '10.64.0.54'];
/** A shell command writing a secrets file: no tab typed on the console (ash would complete it). */
const writeSecrets = (file: string, user: string, password: string) => `printf '"%s"\\t*\\t"%s"\\t*\\n' ${shellWord(user)} ${shellWord(password)} > ${file}`;

describe.skipIf(!ready)('defalutroute on qemu-malta dials a real PPPoE access concentrator', () => {
  const work = mkdtempSync(join(tmpdir(), 'nixwrt-e2e-pppoe-'));
  const page = `behind the concentrator ${randomBytes(8).toString('hex')}\n`;
  let router: Booted | undefined;
  let ac: Concentrator | undefined;
  /** The concentrator's boot, awaited on the way out even when the router's build failed. */
  let acBoot: Promise<unknown> = Promise.resolve();
  let con: Console;
  let acCon: Console;
  let user = '';
  let password = '';

  /** Router syslog lines written since `from` (a line count). */
  const routerLog = async (from: number) => con.run(`tail -n +${from + 1} /run/log/messages`);
  const routerLogLines = async () => Number((await con.run('wc -l < /run/log/messages')).trim());
  const startServer = (auth: 'pap' | 'chap') =>
    acCon.run(`pppoe-server -I eth0 -C isp-ac -L ${SERVER} -R 10.64.0.10 -N 4 -O /etc/ppp/server-${auth} -X /run/pppoe-server.pid; echo "exit=$?"`);

  /** The session is up: address from the pool, default route through ppp0, the web page. */
  const sessionUp = async () =>
    retry(async () => {
      expect(await con.run('ip -4 addr show dev ppp0')).toMatch(new RegExp(`inet 10\\.64\\.0\\.\\d+ peer ${SERVER.replace(/\./g, '\\.')}/32`));
      expect(await con.run('ip -4 route show default')).toMatch(/^default dev ppp0 /m);
      // (No -T: this busybox's wget dies of SIGSEGV with a timeout option; console.run has its own.)
      expect(await con.run(`wget -q -O - http://${SERVER}/`)).toBe(page);
    }, 30, 3000);

  beforeAll(async () => {
    const ex = await loadConfig(join(root, 'examples', 'defalutroute.ts'));
    const pppoe = ex.config.modules!.find((m) => m.name === 'pppoe')!.options as { username: string; password: string };
    user = pppoe.username;
    password = pppoe.password;
    const modules = ex.config.modules!.map((m): ModuleUse => {
      // The WAN port is the second NIC, the LAN port the third; LCP echo every 5 s so a dead
      // line is noticed in 15 s rather than 2 min.
      if (m.name === 'pppoe') return { ...m, options: { ...m.options, interface: 'eth1', lcpEchoInterval: 5, lcpEchoFailure: 3 } } as ModuleUse;
      if (m.name === 'dhcpServer') return { ...m, options: { ...m.options, interface: 'eth2' } } as ModuleUse;
      return m;
    });
    const config = { ...ex.config, device: 'qemu-malta', lock: resolve(ex.dir, ex.config.lock!), modules, outputs: { wanted: ['emulator', 'manifest'] } };
    writeFileSync(join(work, 'defalutroute-malta.json'), JSON.stringify(config));

    const [rWan, acIsp, rLan, acLan] = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
    const udp = (remote: number, local: number) => `socket,udp=127.0.0.1:${remote},localaddr=127.0.0.1:${local}`;
    const serverOptions = (auth: string) => [`require-${auth}`, 'name isp-ac', 'lcp-echo-interval 5', 'lcp-echo-failure 3', ...DNS.map((d) => `ms-dns ${d}`), ''].join('\n');
    const kernel = findHostKernel() as HostKernel;
    const initramfs = join(work, 'concentrator.cpio');
    concentratorInitramfs(initramfs, kernel, {
      '/etc/ppp/server-pap': serverOptions('pap'),
      '/etc/ppp/server-chap': serverOptions('chap'),
      '/etc/ppp/pap-secrets': pppSecrets(user, password),
      '/etc/ppp/chap-secrets': pppSecrets(user, password),
      '/srv/www/index.html': page,
    });
    acBoot = bootConcentrator(work, kernel, initramfs, { isp: udp(rWan, acIsp), lan: udp(rLan, acLan) }).then((a) => (ac = a));
    await Promise.all([acBoot, build({ config: join(work, 'defalutroute-malta.json'), outDir: join(work, 'out'), cacheDir: join(work, 'cache'), jobs: 2 })]);
    acCon = ac!.con;
    expect(await startServer('pap')).toMatch(/exit=0\n$/);
    router = await bootEmulator(join(work, 'out', 'emulator'), { nets: [udp(acIsp, rWan), udp(acLan, rLan)] });
    con = router.con;
  }, slow(600_000));

  afterAll(async () => {
    await router?.stop();
    await acBoot.catch(() => undefined);
    await ac?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('dials with PAP: an address from the pool, the default route through ppp0, the DNS servers, a web page behind the concentrator', async () => {
    await sessionUp();
    expect(await con.run('cat /etc/resolv.conf')).toBe(DNS.map((d) => `nameserver ${d}\n`).join(''));
    expect(await con.run('cat /sys/class/net/eth1/operstate')).toBe('up\n');
    // /run/log/messages is kept by a `logread -F` follower (syslog module): it may lag the ring.
    await retry(async () => expect(await con.run('grep -c "PAP authentication succeeded" /run/log/messages')).toMatch(/^[1-9]\d*\n$/), 10, 1000);
    expect(await acCon.run('cat /run/messages')).toContain(`PAP peer authentication succeeded for ${user}`);
  }, slow(150_000));

  it('dials again with CHAP after the concentrator crashes and restarts', async () => {
    const from = await routerLogLines();
    // A crash: no PADT, no LCP terminate; the router finds out from its unanswered LCP echoes.
    await acCon.run('kill -9 $(cat /run/pppoe-server.pid); killall -9 pppd pppoe; rm -f /run/pppoe-server.pid');
    expect(await startServer('chap')).toMatch(/exit=0\n$/);
    await retry(async () => expect(await routerLog(from)).toContain('CHAP authentication succeeded'), 30, 3000);
    const log = await routerLog(from);
    expect(log).toContain('No response to 3 echo-requests');
    expect(log).toMatch(/pppoe: the session was closed \(by the concentrator, or the line stopped answering\) \(pppd exit 16\); dialling again in 2 s/);
    await sessionUp();
    // The concentrator's pppd for this session is the one that wants CHAP.
    expect(await acCon.run('ps')).toMatch(/pppd pty .* file \/etc\/ppp\/server-chap /);
  }, slow(200_000));

  it('says on syslog that the password is wrong and backs off between attempts', async () => {
    const from = await routerLogLines();
    await acCon.run(writeSecrets('/etc/ppp/chap-secrets', user, `not-${password}`));
    // The concentrator ends the session (LCP terminate, PADT); every redial now fails CHAP.
    await acCon.run('killall pppd');
    const failed = /pppoe: authentication failed: the peer refused user "([^"]*)" \(wrong user name or password\?\) \(pppd exit 19\); dialling again in (\d+) s/g;
    const waits = await retry(async () => {
      const w = [...(await routerLog(from)).matchAll(failed)];
      expect(w.length).toBeGreaterThanOrEqual(3);
      return w;
    }, 40, 3000);
    expect(waits[0]![1]).toBe(user);
    expect(waits.slice(0, 3).map((m) => Number(m[2]))).toEqual([5, 10, 20]);
    // pppd's own line from the CHAP exchange is there too.
    expect(await routerLog(from)).toContain('CHAP authentication failed');
    // Attempts match the log: the concentrator saw as many failed logins as the router logged.
    const acFails = Number((await acCon.run(`grep -c 'Peer ${user} failed CHAP authentication' /run/messages`)).trim());
    const logged = [...(await routerLog(from)).matchAll(failed)].length;
    expect(acFails).toBeGreaterThanOrEqual(logged);
    expect(acFails).toBeLessThanOrEqual(logged + 1);
    // The right password again: the next attempt (after the 20 s or 40 s wait) gets through.
    await acCon.run(writeSecrets('/etc/ppp/chap-secrets', user, password));
    await sessionUp();
  }, slow(240_000));

  it('re-establishes the session and the default route after the link drops and comes back', async () => {
    const from = await routerLogLines();
    await ac!.monitor('set_link isp off');
    await retry(async () => expect(await routerLog(from)).toMatch(/pppoe: the session was closed .* dialling again in 2 s/), 20, 3000);
    expect(await con.run('ip -4 route show default')).toBe('');
    await ac!.monitor('set_link isp on');
    await sessionUp();
    expect(await con.run('cat /etc/resolv.conf')).toBe(DNS.map((d) => `nameserver ${d}\n`).join(''));
  }, slow(200_000));

  it('gives a LAN host an address by DHCP from the LAN port', async () => {
    expect(await con.run('ip -4 addr show dev eth2')).toMatch(/inet 192\.168\.8\.1\/24 /);
    const r = await retry(async () => {
      const out = await acCon.run('udhcpc -i eth1 -n -q -t 5 -T 2 -s /bin/true 2>&1; echo "exit=$?"', 30_000);
      expect(out).toMatch(/exit=0\n$/);
      return out;
    }, 4, 2000);
    expect(r).toMatch(/lease of 192\.168\.8\.(1\d\d|2[0-4]\d|250) obtained from 192\.168\.8\.1/);
  }, slow(150_000));
});
