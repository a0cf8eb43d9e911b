import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileDtsFile, toDtb } from '../../src/dt/index.js';
import { dtsInputs, getDevice, listDevices } from '../../src/image/devices.js';
import { havePeers } from '../helpers/peer.js';
import { LINUX_TAR, linuxDtsTree } from './linux-dts.js';
import { slow } from '../helpers/slack.js';

describe('device profiles', () => {
  it('carries the flash facts of docs/image.md ("Devices")', () => {
    const facts = listDevices()
      .filter((d) => d.flash)
      .map((d) => [d.name, d.loadAddress, d.flash!.address, d.flash!.partitionSize, d.flash!.eraseBlock]);
    expect(facts).toEqual([
      ['gl-mt300a', 0x80000000, 0xbc050000, 0xf80000, 0x10000],
      ['gl-mt300n-v2', 0x80000000, 0xbc050000, 0xfb0000, 0x10000],
      ['gl-ar750', 0x80060000, 0x9f060000, 0xfa0000, 0x10000],
      // Between U-Boot (up to 0x60000) and its environment (0x3e0000) in QEMU Malta's 4 MiB flash.
      ['qemu-malta-uboot', 0x80100000, 0xbe060000, 0x380000, 0x10000],
    ]);
    expect(getDevice('gl-ar750').endian).toBe('big');
    expect(getDevice('qemu-malta').boot.kind).toBe('qemu');
  });

  it('names the known devices when one is unknown', () => {
    expect(() => getDevice('wrt54g')).toThrow(/unknown device "wrt54g" \(known: qemu-malta, gl-mt300a/);
  });

  it('has a board file for every project DTS', () => {
    for (const d of listDevices()) {
      if (d.dts.source.from === 'project') expect(existsSync(dtsInputs(d, '/nonexistent').file)).toBe(true);
    }
  });
});

// The board files must compile with the SoC files of the real kernel tree (cpp + dtc as peers).
describe.skipIf(!havePeers('cpp', 'dtc') || !existsSync(LINUX_TAR))('board DTS against linux 6.1 SoC files', () => {
  const root = linuxDtsTree();
  for (const d of listDevices()) {
    it(`compiles ${d.name}, with dtc and with src/dt, to the same bytes`, async () => {
      const { file, includeDirs } = dtsInputs(d, root);
      const pre = execFileSync('cpp', [
        '-nostdinc', '-undef', '-x', 'assembler-with-cpp', '-D__DTS__',
        ...includeDirs.flatMap((i) => ['-I', i]), file,
      ]);
      const dtb = execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-'], { input: pre });
      expect(dtb.readUInt32BE(0)).toBe(0xd00dfeed);
      // Our compiler (src/dt) gives dtc's bytes for every board.
      const ours = await compileDtsFile(file, { includeDirs });
      expect(Buffer.from(toDtb(ours.tree)).equals(dtb)).toBe(true);
      const back = execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', '-'], { input: dtb }).toString();
      expect(back).toMatch(d.soc === 'malta' ? /mti,malta/ : /memory@0 {\n\t\tdevice_type = "memory";\n\t\treg = <0x00 0x8000000>;/);
    });
  }
}, slow(120_000));
