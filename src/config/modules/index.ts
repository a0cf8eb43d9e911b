/** The module registry: every module by name. */
import type { NixwrtModule } from '../modules.js';
import { base } from './base.js';
import { busybox } from './busybox.js';
import { dhcpClient } from './dhcp-client.js';
import { dhcpServer } from './dhcp-server.js';
import { haveged } from './haveged.js';
import { hostapd } from './hostapd.js';
import { kexec } from './kexec.js';
import { l2tp } from './l2tp.js';
import { ntpd } from './ntpd.js';
import { phram } from './phram.js';
import { pppoe } from './pppoe.js';
import { rsyncd } from './rsyncd.js';
import { sshd } from './sshd.js';
import { switchconfig } from './switchconfig.js';
import { syslog } from './syslog.js';
import { usbdisk } from './usbdisk.js';

// Each module is typed by its own options; the registry only needs the common shape.
type AnyModule = NixwrtModule<any, any>; // any: options differ per module, validated at run time

export const MODULES: Readonly<Record<string, AnyModule>> = {
  base, busybox, sshd, ntpd, syslog, dhcpClient, dhcpServer, hostapd, rsyncd, pppoe, phram, switchconfig, usbdisk, haveged, l2tp, kexec,
};
