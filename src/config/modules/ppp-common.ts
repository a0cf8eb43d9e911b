/** pppd secrets: chap-secrets and pap-secrets have the same format (client server secret ips). */
export function pppSecrets(username: string, password: string): string {
  const q = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;
  return `# client\tserver\tsecret\taddresses\n${q(username)}\t*\t${q(password)}\t*\n`;
}

/** A word for /bin/sh that stays one literal word whatever it holds. */
export function shellWord(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** pppd's exit statuses (pppd.h) a redial loop names in its log line. */
const PPPD_EXITS: Array<[number, string]> = [
  [2, 'bad pppd options'],
  [4, 'the kernel lacks PPP support'],
  [8, 'no access concentrator answered (discovery failed)'],
  [10, 'LCP negotiation failed'],
  [15, 'the line went dead (no LCP echo replies)'],
  // pppd says "Modem hangup" for a PADT and, on PPPoE, also after unanswered LCP echoes.
  [16, 'the session was closed (by the concentrator, or the line stopped answering)'],
  [19, 'authentication failed'],
];

/**
 * The run script of a pppd uplink: pppd in the foreground once per session (no `persist`), in
 * a loop that logs to syslog why each session ended and waits before dialling again: 2 s after
 * a session that came up (ip-up marked it), otherwise 5 s doubling to 5 min, so a wrong
 * password or a missing concentrator is retried without a busy loop and without flooding the
 * line. `linkUp` is the Ethernet port pppd runs over, brought up first (PPPoE discovery cannot
 * send on a port that is down).
 */
export function pppRedialScript(o: { name: string; pppd: string; peer: string; username: string; linkUp?: string }): string {
  const tag = shellWord(o.name);
  const up = `/run/ppp/${o.name}.up`;
  const cases = PPPD_EXITS.map(([rc, why]) => `    ${rc}) why=${shellWord(rc === 19 ? `${why}: the peer refused user "${o.username}" (wrong user name or password?)` : why)} ;;`);
  return [
    '# Dial, log why the session ended, back off, dial again.',
    'mkdir -p /run/ppp',
    ...(o.linkUp ? [`ip link set ${o.linkUp} up`] : []),
    'delay=5',
    'while :; do',
    `  rm -f ${up}`,
    `  ${o.pppd} nodetach call ${o.peer} ipparam ${o.name}`,
    '  rc=$?',
    '  case $rc in',
    ...cases,
    '    *) why="the session ended" ;;',
    '  esac',
    `  if [ -e ${up} ]; then wait=2; delay=5; else wait=$delay; delay=$((delay * 2)); [ $delay -gt 300 ] && delay=300; fi`,
    `  logger -s -t ${tag} -p daemon.warn "$why (pppd exit $rc); dialling again in $wait s"`,
    '  sleep $wait',
    'done',
  ].join('\n');
}

/** /etc/ppp/ip-up: pppd runs it once the link carries IP; marks the session up for the loop ($6 is ipparam). */
export const PPP_IP_UP = `#!/bin/sh
# pppd ip-up: interface tty speed local-address remote-address ipparam
[ -n "$6" ] && : > "/run/ppp/$6.up"
logger -t "\${6:-ppp}" -p daemon.notice "$1 up: local $4, remote $5"
exit 0
`;
