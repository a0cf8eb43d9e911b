import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBIAN_BUSYBOX_STATIC_APPLETS } from '../../src/config/modules/busybox-applets.js';
import { override } from '../../src/config/types.js';
import { pppRedialScript } from '../../src/config/modules/ppp-common.js';
import { evalModules, sp, text } from './helpers.js';

describe('base', () => {
  it('renders passwd, group, shadow, hosts, fstab, inittab and rcS exactly', async () => {
    const s = await evalModules([{ name: 'base', options: { hosts: { router: '192.168.1.1' } } }]);
    expect(text(s, '/etc/passwd')).toBe('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/var/empty:/bin/false\n');
    expect(text(s, '/etc/group')).toBe('root:x:0:\nnogroup:x:65534:\n');
    expect(text(s, '/etc/shadow')).toBe('root:*::0:99999:7:::\nnobody:*::0:99999:7:::\n');
    expect(s.files['/etc/shadow']!.mode).toBe(0o600);
    expect(text(s, '/etc/hosts')).toBe('127.0.0.1\tlocalhost testbox\n::1\tlocalhost ip6-localhost\n192.168.1.1\trouter\n');
    expect(text(s, '/etc/hostname')).toBe('testbox\n');
    expect(text(s, '/etc/fstab')).toBe(
      '# device\tmountpoint\ttype\toptions\tdump\tpass\n' +
        'devpts\t/dev/pts\tdevpts\tgid=0,mode=620,ptmxmode=666\t0\t0\n' +
        'proc\t/proc\tproc\tdefaults\t0\t0\n' +
        'tmpfs\t/run\ttmpfs\tmode=0755,nosuid,nodev\t0\t0\n' +
        'sysfs\t/sys\tsysfs\tdefaults\t0\t0\n' +
        'tmpfs\t/tmp\ttmpfs\tmode=1777,nosuid,nodev\t0\t0\n',
    );
    expect(text(s, '/etc/inittab')).toBe(
      '::sysinit:/etc/rc.d/rcS\n::askfirst:-/bin/sh\n::ctrlaltdel:/bin/reboot\n::shutdown:/etc/rc.d/rc.shutdown\n::restart:/bin/init\n',
    );
    expect(text(s, '/etc/rc.d/rcS')).toContain("mkdir -p /dev/pts /dev/shm\ngrep -q ' /dev/pts ' /proc/mounts || mount /dev/pts\n");
    expect(text(s, '/etc/rc.d/rcS')).not.toContain('mount /proc\n');
    expect(s.files['/etc/rc.d/rcS']!.mode).toBe(0o755);
    expect(s.devices['/dev/console']).toEqual({ type: 'char', major: 5, minor: 1, mode: 0o600 });
    expect(s.devices['/dev/null']).toEqual({ type: 'char', major: 1, minor: 3, mode: 0o666 });
    for (const d of ['/dev', '/proc', '/sys', '/tmp', '/run', '/root']) expect(s.directories[d], d).toBeDefined();
    expect(s.directories['/tmp']!.mode).toBe(0o1777);
    expect(s.directories['/root']!.mode).toBe(0o700);
    expect(s.symlinks['/etc/resolv.conf']).toEqual({ target: '/run/resolv.conf' });
  });
  it('puts the askfirst shell on a named console and sets the root hash', async () => {
    const s = await evalModules([{ name: 'base', options: { console: 'ttyS0', rootPasswordHash: '$6$salt$hash' } }]);
    expect(text(s, '/etc/inittab')).toContain('\nttyS0::askfirst:-/bin/sh\n');
    expect(text(s, '/etc/shadow').split('\n')[0]).toBe('root:$6$salt$hash::0:99999:7:::');
  });
});

describe('busybox', () => {
  it('links every Debian busybox-static applet to the store binary', async () => {
    const s = await evalModules([]);
    const bb = `${sp('busybox')}/bin/busybox`;
    const links = Object.entries(s.symlinks).filter(([p]) => p.startsWith('/bin/') && p !== '/bin/svc-status');
    expect(links.length).toBe(DEBIAN_BUSYBOX_STATIC_APPLETS.length);
    expect(DEBIAN_BUSYBOX_STATIC_APPLETS.length).toBe(269);
    for (const a of ['sh', 'init', 'mount', 'udhcpc', 'syslogd', '[', 'mdev']) expect(s.symlinks[`/bin/${a}`], a).toEqual({ target: bb });
    expect(s.symlinks['/bin/ntpd']).toBeUndefined();
    expect(s.symlinks['/sbin']).toEqual({ target: 'bin' });
    expect(s.packages).toEqual([{ name: 'busybox', storePath: sp('busybox') }]);
  });
  it('links only the given applets', async () => {
    const s = await evalModules([{ name: 'busybox', options: { applets: ['sh', 'init'], extraApplets: ['ls'] } }]);
    expect(Object.keys(s.symlinks).filter((p) => p.startsWith('/bin/'))).toEqual(['/bin/init', '/bin/ls', '/bin/sh', '/bin/svc-status']);
  });
});

describe('supervisor', () => {
  it('starts services from inittab in dependency order, oneshots once', async () => {
    const s = await evalModules([
      { name: 'syslog', options: { loghost: '10.0.0.1:514', ringBuffer: true } },
      { name: 'usbdisk', options: { mountpoint: '/srv' } },
      { name: 'rsyncd', options: { modules: { backup: { path: '/srv/backup', readOnly: false } } } },
    ]);
    expect(text(s, '/etc/svc/order')).toBe('syslogd\nklogd\nusbdisk\nrsyncd\n');
    expect(text(s, '/etc/inittab')).toContain(
      '::respawn:/etc/svc/supervise syslogd\n::respawn:/etc/svc/supervise klogd\n::once:/etc/svc/supervise usbdisk\n::respawn:/etc/svc/supervise rsyncd\n',
    );
    expect(text(s, '/etc/svc/klogd/depends')).toBe('syslogd\n');
    expect(text(s, '/etc/svc/rsyncd/depends')).toBe('usbdisk\n');
    expect(s.files['/etc/svc/usbdisk/oneshot']).toBeDefined();
    expect(text(s, '/etc/svc/syslogd/run')).toBe('#!/bin/sh\nexec syslogd -n -R 10.0.0.1:514 -L -C64\n');
    expect(text(s, '/etc/svc/supervise')).toContain('exec /bin/sh "$dir/run"');
    expect(s.symlinks['/bin/svc-status']).toEqual({ target: '/etc/svc/status' });
  });
});

describe('sshd', () => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoKeyDemoKeyDemoKeyDemoKeyDemoKeyDemo demo@nixwrt';
  it('runs dropbear with a first-boot host key and writes authorized_keys', async () => {
    const s = await evalModules([{ name: 'sshd', options: { authorizedKeys: [key], port: 2222 } }]);
    const db = sp('dropbear');
    expect(text(s, '/etc/svc/sshd/run')).toBe(
      `#!/bin/sh\nmkdir -p /run/dropbear\n[ -s /run/dropbear/host_key ] || ${db}/bin/dropbearkey -t ed25519 -f /run/dropbear/host_key\n` +
        `exec ${db}/bin/dropbear -F -E -p 2222 -P /run/dropbear/dropbear.pid -s -r /run/dropbear/host_key\n`,
    );
    expect(text(s, '/root/.ssh/authorized_keys')).toBe(key + '\n');
    expect(s.files['/root/.ssh/authorized_keys']!.mode).toBe(0o600);
    expect(s.directories['/root/.ssh']!.mode).toBe(0o700);
    expect(s.packages.map((p) => p.name)).toEqual(['busybox', 'dropbear']);
  });
  it('writes a given host key as bytes, 0600', async () => {
    const s = await evalModules([{ name: 'sshd', options: { hostKey: Buffer.from('KEYBYTES').toString('base64') } }]);
    expect(Buffer.from(s.files['/etc/dropbear/host_key']!.content as Uint8Array).toString()).toBe('KEYBYTES');
    expect(s.files['/etc/dropbear/host_key']!.mode).toBe(0o600);
    expect(text(s, '/etc/svc/sshd/run')).toContain('-r /etc/dropbear/host_key\n');
  });
  it('rejects a malformed authorized key, naming module and option', async () => {
    await expect(evalModules([{ name: 'sshd', options: { authorizedKeys: ['not a key'] } }])).rejects.toThrow(
      "module sshd: option authorizedKeys[0]: expected one authorized_keys line (type base64 [comment]), got 'not a key'",
    );
  });
  it('waits for haveged when both are used', async () => {
    const s = await evalModules([{ name: 'haveged' }, { name: 'sshd' }]);
    expect(text(s, '/etc/svc/sshd/depends')).toBe('haveged\n');
    expect(text(s, '/etc/svc/haveged/run')).toBe(`#!/bin/sh\nexec ${sp('haveged')}/bin/haveged -F -w 1024\n`);
  });
});

describe('ntpd, syslog, dhcp', () => {
  it('ntpd uses a package ntpd when given, otherwise an rdate loop (no ntpd applet in Debian busybox)', async () => {
    const a = await evalModules([{ name: 'ntpd', options: { servers: ['a.example', 'b.example'] } }]);
    expect(text(a, '/etc/svc/ntpd/run')).toContain('for s in a.example b.example; do rdate -s "$s" 2>/dev/null && break; done');
    const b = await evalModules([{ name: 'ntpd', options: { package: 'busybox' } }]);
    expect(text(b, '/etc/svc/ntpd/run')).toBe(`#!/bin/sh\nexec ${sp('busybox')}/bin/ntpd -n -p pool.ntp.org\n`);
    const c = await evalModules([{ name: 'busybox', options: { extraApplets: ['ntpd'] } }, { name: 'ntpd' }, { name: 'dhcpClient' }]);
    expect(text(c, '/etc/svc/ntpd/run')).toBe('#!/bin/sh\nexec /bin/ntpd -n -p pool.ntp.org\n');
    expect(text(c, '/etc/svc/ntpd/depends')).toBe('dhcpClient\n');
  });
  it('syslog local only: the logread ring copied to a file by default, the ring alone on request, remote only', async () => {
    const s = await evalModules([{ name: 'syslog' }]);
    expect(text(s, '/etc/svc/syslogd/run')).toBe('#!/bin/sh\nexec syslogd -n -C64\n');
    expect(text(s, '/etc/svc/syslogFile/run')).toBe("#!/bin/sh\nexec sh -c 'until logread >/dev/null 2>&1; do sleep 1; done; exec logread -F >> /run/log/messages'\n");
    expect(text(s, '/etc/svc/syslogFile/depends')).toBe('syslogd\n');
    const r = await evalModules([{ name: 'syslog', options: { ringBuffer: true } }]);
    expect(text(r, '/etc/svc/syslogd/run')).toBe('#!/bin/sh\nexec syslogd -n -C64\n');
    expect(r.files['/etc/svc/syslogFile/run']).toBeUndefined();
    const both = await evalModules([{ name: 'syslog', options: { loghost: 'log.example' } }]);
    expect(text(both, '/etc/svc/syslogd/run')).toBe('#!/bin/sh\nexec syslogd -n -R log.example -L -C64\n');
    const n = await evalModules([{ name: 'syslog', options: { loghost: 'log.example', local: false } }]);
    expect(text(n, '/etc/svc/syslogd/run')).toBe('#!/bin/sh\nexec syslogd -n -R log.example\n');
    expect(text(s, '/etc/svc/klogd/run')).toBe('#!/bin/sh\nexec klogd -n\n');
  });
  it('rejects a bad loghost', async () => {
    await expect(evalModules([{ name: 'syslog', options: { loghost: 'a b' } }])).rejects.toMatchObject({ code: 'bad-option', module: 'syslog', option: 'loghost' });
  });
  it('dhcpClient runs udhcpc with the script on the interface', async () => {
    const s = await evalModules([{ name: 'dhcpClient', options: { interface: 'eth1' } }]);
    expect(text(s, '/etc/svc/dhcpClient/run')).toBe('#!/bin/sh\nexec udhcpc -f -S -i eth1 -s /etc/udhcpc.script\n');
    expect(s.files['/etc/udhcpc.script']!.mode).toBe(0o755);
    expect(text(s, '/etc/udhcpc.script')).toContain('for d in $dns; do echo "nameserver $d" >> /run/resolv.conf; done');
    expect(s.requirements).toEqual(['ethernet']);
  });
  it('dhcpServer writes udhcpd.conf', async () => {
    const s = await evalModules([{ name: 'dhcpServer', options: { interface: 'br0', start: '192.168.8.100', end: '192.168.8.200', router: '192.168.8.1' } }]);
    expect(text(s, '/etc/udhcpd.conf')).toBe(
      'interface br0\nstart 192.168.8.100\nend 192.168.8.200\nlease_file /run/udhcpd.leases\noption router 192.168.8.1\noption dns 192.168.8.1\noption subnet 255.255.255.0\noption lease 43200\n',
    );
    expect(text(s, '/etc/svc/dhcpServer/run')).toBe('#!/bin/sh\ntouch /run/udhcpd.leases\nexec udhcpd -f /etc/udhcpd.conf\n');
    await expect(evalModules([{ name: 'dhcpServer', options: { start: '192.168.8.300', end: '1.1.1.1', router: '1.1.1.1' } }])).rejects.toThrow(
      "module dhcpServer: option start: expected an IPv4 address, got '192.168.8.300'",
    );
  });
  it('dhcpServer gives its interface the address option before udhcpd starts', async () => {
    const s = await evalModules([{ name: 'dhcpServer', options: { interface: 'eth1', address: '192.168.8.1/24', start: '192.168.8.100', end: '192.168.8.200', router: '192.168.8.1' } }]);
    expect(text(s, '/etc/svc/dhcpServer/run')).toBe(
      '#!/bin/sh\nip -4 addr replace 192.168.8.1/24 dev eth1\nip link set eth1 up\ntouch /run/udhcpd.leases\nexec udhcpd -f /etc/udhcpd.conf\n',
    );
    await expect(evalModules([{ name: 'dhcpServer', options: { address: '192.168.8.1', start: '192.168.8.100', end: '192.168.8.200', router: '192.168.8.1' } }])).rejects.toThrow(
      "module dhcpServer: option address: expected an IPv4 address with prefix length, e.g. '192.168.8.1/24', got '192.168.8.1'",
    );
  });
});

describe('hostapd', () => {
  it('writes a WPA2 config, 0600, and needs wifi', async () => {
    const s = await evalModules([{ name: 'hostapd', options: { ssid: 'demo', psk: 'correct horse', countryCode: 'DE', bridge: 'br0' } }]);
    expect(text(s, '/etc/hostapd.conf')).toBe(
      'interface=wlan0\ndriver=nl80211\nbridge=br0\nctrl_interface=/run/hostapd\nssid=demo\ncountry_code=DE\nieee80211d=1\nhw_mode=g\nchannel=6\n' +
        'ieee80211n=1\nwmm_enabled=1\nauth_algs=1\nwpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\nwpa_passphrase=correct horse\n',
    );
    expect(s.files['/etc/hostapd.conf']!.mode).toBe(0o600);
    expect(s.requirements).toEqual(['wifi']);
    expect(text(s, '/etc/svc/hostapd/run')).toBe(`#!/bin/sh\nexec ${sp('hostapd')}/bin/hostapd /etc/hostapd.conf\n`);
  });
  it('puts the wired bridge ports into the bridge before hostapd starts', async () => {
    const s = await evalModules([{ name: 'hostapd', options: { ssid: 'demo', psk: 'correct horse', bridge: 'br0', bridgePorts: ['eth0', 'eth1'] } }]);
    expect(text(s, '/etc/svc/hostapd/run')).toBe(
      '#!/bin/sh\nbrctl addbr br0 2>/dev/null || :\nip link set eth0 up\nbrctl addif br0 eth0 2>/dev/null || :\n' +
        `ip link set eth1 up\nbrctl addif br0 eth1 2>/dev/null || :\nip link set br0 up\nexec ${sp('hostapd')}/bin/hostapd /etc/hostapd.conf\n`,
    );
    await expect(evalModules([{ name: 'hostapd', options: { ssid: 'x', psk: '12345678', bridgePorts: ['eth0'] } }])).rejects.toThrow(
      'module hostapd: option bridgePorts: needs the bridge option (the bridge to put them in)',
    );
  });
  it('rejects a short passphrase and a missing ssid', async () => {
    await expect(evalModules([{ name: 'hostapd', options: { ssid: 'x', psk: 'short' } }])).rejects.toThrow(
      "module hostapd: option psk: expected a WPA passphrase of 8-63 printable ASCII characters, got 'short'",
    );
    await expect(evalModules([{ name: 'hostapd', options: { psk: 'longenough' } as never }])).rejects.toThrow('module hostapd: option ssid: required option is missing');
  });
  it('counts the SSID limit in bytes', async () => {
    await expect(evalModules([{ name: 'hostapd', options: { ssid: 'é'.repeat(17), psk: '12345678' } }])).rejects.toThrow('module hostapd: option ssid: is 34 bytes in UTF-8; at most 32');
  });
  it('fails clearly when the lock has no hostapd', async () => {
    await expect(evalModules([{ name: 'hostapd', options: { ssid: 'x', psk: '12345678' } }], {}, ['busybox'])).rejects.toThrow(
      "unknown package 'hostapd' (wanted by module hostapd): not in lock /test/lock.json; known: busybox",
    );
  });
});

describe('rsyncd, usbdisk', () => {
  it('writes rsyncd.conf and secrets and mounts the disk first', async () => {
    const s = await evalModules([
      { name: 'usbdisk', options: { mountpoint: '/srv', fstype: 'vfat', options: ['noatime'] } },
      { name: 'rsyncd', options: { modules: { backup: { path: '/srv/backup', readOnly: false, comment: 'backups', authUsers: ['alice'] } }, secrets: { alice: 's3cret' } } },
    ]);
    expect(text(s, '/etc/rsyncd.conf')).toBe(
      'uid = root\ngid = root\nuse chroot = no\nport = 873\npid file = /run/rsyncd.pid\n\n[backup]\n\tpath = /srv/backup\n\tread only = no\n\tcomment = backups\n' +
        '\tauth users = alice\n\tsecrets file = /etc/rsyncd.secrets\n',
    );
    expect(text(s, '/etc/rsyncd.secrets')).toBe('alice:s3cret\n');
    expect(s.files['/etc/rsyncd.secrets']!.mode).toBe(0o600);
    expect(text(s, '/etc/fstab')).toContain('/dev/sda1\t/srv\tvfat\tnoauto,noatime\t0\t0\n');
    expect(text(s, '/etc/rc.d/rcS')).not.toContain('mount /srv');
    expect(text(s, '/etc/svc/usbdisk/run')).toContain('until [ -b /dev/sda1 ]; do');
    expect(text(s, '/etc/svc/rsyncd/run')).toBe(`#!/bin/sh\nexec ${sp('rsync')}/bin/rsync --daemon --no-detach --config=/etc/rsyncd.conf\n`);
    expect(s.requirements).toEqual(['usb']);
    expect(s.directories['/srv']).toBeDefined();
  });
  it('rejects an auth user without a secret and a relative path', async () => {
    await expect(evalModules([{ name: 'rsyncd', options: { modules: { b: { path: '/x', authUsers: ['bob'] } } } }])).rejects.toThrow(
      "module rsyncd: option modules.b.authUsers: user 'bob' has no entry in secrets",
    );
    await expect(evalModules([{ name: 'rsyncd', options: { modules: { b: { path: 'x' } } } }])).rejects.toThrow('module rsyncd: option modules.b.path: expected an absolute path');
  });
});

describe('pppoe, l2tp', () => {
  it('pppoe writes the peer file, the secrets and ip-up, and dials in a redial loop after syslogd', async () => {
    const s = await evalModules([
      { name: 'syslog' },
      { name: 'pppoe', options: { interface: 'eth1', username: 'user@isp', password: 'pw', lcpEchoInterval: 5 } },
    ]);
    expect(text(s, '/etc/ppp/peers/pppoe')).toBe(
      `plugin ${sp('ppp')}/lib/pppd/rp-pppoe.so\nnic-eth1\nuser "user@isp"\nnoauth\nnoipdefault\ndefaultroute\nreplacedefaultroute\nusepeerdns\n` +
        'lcp-echo-interval 5\nlcp-echo-failure 4\nmtu 1492\nmru 1492\nhide-password\n',
    );
    expect(text(s, '/etc/ppp/chap-secrets')).toBe('# client\tserver\tsecret\taddresses\n"user@isp"\t*\t"pw"\t*\n');
    expect(s.files['/etc/ppp/ip-up']!.mode).toBe(0o755);
    const run = text(s, '/etc/svc/pppoe/run');
    expect(run).toContain('\nip link set eth1 up\n');
    expect(run).toContain(`\n  ${sp('ppp')}/bin/pppd nodetach call pppoe ipparam pppoe\n`);
    expect(s.services.pppoe!.dependsOn).toEqual(['syslogd']);
    expect(s.requirements).toEqual(['ethernet', 'ppp']);
  });
  it("pppoe's redial loop logs why each attempt ended and backs off 5, 10, 20 s ... 300 s, 2 s after a session that was up", () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-redial-'));
    // Stubs on the host: pppd exits with the next status of a list (marking the session up
    // like ip-up for "up"), logger records its message, the third-from-last sleep ends the run.
    const user = "o'brien $HOME `id`"; // shell syntax that must stay literal
    const script = pppRedialScript({ name: 'pppoe', pppd: `${dir}/pppd`, peer: 'pppoe', username: user, linkUp: 'eth1' }).replaceAll('/run/ppp', `${dir}/run`);
    const statuses = ['19', '19', '8', '16 up', '19', ...Array(6).fill('8')];
    writeFileSync(join(dir, 'statuses'), statuses.join('\n') + '\n');
    const stub = (name: string, body: string) => writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    stub('pppd', `set -- $(head -n 1 ${dir}/statuses); sed -i 1d ${dir}/statuses\n[ "$2" = up ] && : > ${dir}/run/pppoe.up\nexit $1`);
    stub('logger', `shift 5; echo "$*" >> ${dir}/log`);
    stub('sleep', `echo "$1" >> ${dir}/sleeps; [ -s ${dir}/statuses ] || kill -TERM $PPID`);
    stub('ip', `echo "ip $*" >> ${dir}/log`);
    spawnSync('sh', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin` }, timeout: 20_000 });
    expect(readFileSync(join(dir, 'sleeps'), 'utf8').trim().split('\n').map(Number)).toEqual([5, 10, 20, 2, 5, 10, 20, 40, 80, 160, 300]);
    const log = readFileSync(join(dir, 'log'), 'utf8').split('\n');
    expect(log[0]).toBe('ip link set eth1 up');
    expect(log[1]).toBe(`authentication failed: the peer refused user "${user}" (wrong user name or password?) (pppd exit 19); dialling again in 5 s`);
    expect(log[3]).toBe('no access concentrator answered (discovery failed) (pppd exit 8); dialling again in 20 s');
    expect(log[4]).toBe('the session was closed (by the concentrator, or the line stopped answering) (pppd exit 16); dialling again in 2 s');
  });
  it('pppoe and l2tp with different secrets conflict on chap-secrets', async () => {
    await expect(
      evalModules([
        { name: 'pppoe', options: { interface: 'eth1', username: 'a', password: 'pw' } },
        { name: 'l2tp', options: { server: 'lns.example', username: 'b', password: 'pw' } },
      ]),
    ).rejects.toThrow(/\.files\["\/etc\/ppp\/chap-secrets"\]\.content: conflicting values .* \(from module pppoe\) and .* \(from module l2tp\)/);
  });
  it('l2tp writes xl2tpd.conf naming the LNS', async () => {
    const s = await evalModules([{ name: 'l2tp', options: { server: 'lns.example', username: 'u', password: 'p' } }]);
    expect(text(s, '/etc/xl2tpd/xl2tpd.conf')).toContain('[lac upstream]\nlns = lns.example\n');
    expect(text(s, '/etc/svc/l2tp/run')).toContain(`${sp('xl2tpd')}/bin/xl2tpd -D -c /etc/xl2tpd/xl2tpd.conf`);
    expect(text(s, '/etc/svc/l2tp/run')).toContain(`-P ${sp('ppp')}/bin/pppd`);
  });
});

describe('phram, switchconfig, kexec', () => {
  it('phram records size and address for the image stage', async () => {
    const s = await evalModules([{ name: 'phram', options: { sizeMiB: 16, address: '0x2000000' } }]);
    expect(s.phram).toEqual({ sizeMiB: 16, address: '0x2000000', vars: { PHRAM_SIZE_MIB: '16', PHRAM_ADDRESS: '0x2000000' } });
    expect(s.requirements).toEqual(['phram']);
    await expect(evalModules([{ name: 'phram', options: { address: '2000000' } }])).rejects.toMatchObject({ code: 'bad-option', option: 'address' });
  });
  it('switchconfig programs VLANs once', async () => {
    const s = await evalModules([{ name: 'switchconfig', options: { vlans: { '2': '4 6t', '1': '0 1 2 3 6t' } } }]);
    const sw = `${sp('swconfig')}/bin/swconfig dev switch0`;
    expect(text(s, '/etc/switch.sh')).toBe(
      `#!/bin/sh\nset -e\n${sw} set reset 1\n${sw} set enable_vlan 1\n${sw} vlan 1 set ports '0 1 2 3 6t'\n${sw} vlan 2 set ports '4 6t'\n${sw} set apply 1\n`,
    );
    expect(s.services.switchconfig!.restart).toBe(false);
    expect(s.requirements).toEqual(['switch']);
  });
  it('kexec links the tool and needs kexec', async () => {
    const s = await evalModules([{ name: 'kexec' }]);
    expect(s.symlinks['/bin/kexec']).toEqual({ target: `${sp('kexec-tools')}/bin/kexec` });
    expect(s.requirements).toEqual(['kexec']);
  });
});

describe('module system errors', () => {
  it('names an unknown module', async () => {
    await expect(evalModules([{ name: 'sshd2' } as never])).rejects.toThrow(/modules\[0\]: unknown module 'sshd2' \(known: base, busybox, dhcpClient,/);
  });
  it('names an unknown option and lists the known ones', async () => {
    await expect(evalModules([{ name: 'ntpd', options: { server: ['x'] } as never }])).rejects.toThrow(
      'module ntpd: option server: unknown option (known: servers, package)',
    );
  });
  it('names an unknown package in config.packages', async () => {
    await expect(evalModules([], { packages: ['nano'] })).rejects.toThrow("unknown package 'nano' (wanted by config: packages)");
  });
  it('merges a module listed twice; conflicting options need override()', async () => {
    await expect(evalModules([{ name: 'sshd', options: { port: 22 } }, { name: 'sshd', options: { port: 2222 } }])).rejects.toThrow(
      'sshd.port: conflicting values 22 (from modules[0]) and 2222 (from modules[1])',
    );
    const s = await evalModules([{ name: 'sshd', options: { port: 22, authorizedKeys: ['ssh-rsa AAAA a'] } }, { name: 'sshd', options: { port: override(2222), authorizedKeys: ['ssh-rsa BBBB b'] } }]);
    expect(text(s, '/etc/svc/sshd/run')).toContain('-p 2222 ');
    expect(text(s, '/root/.ssh/authorized_keys')).toBe('ssh-rsa AAAA a\nssh-rsa BBBB b\n');
  });
  it('kernel command-line pieces from the config are kept in order, deduplicated', async () => {
    const s = await evalModules([], { kernelCmdline: ['loglevel=7', 'quiet', 'loglevel=7'] });
    expect(s.kernelCmdline).toEqual(['loglevel=7', 'quiet']);
  });
});
