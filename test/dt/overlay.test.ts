/**
 * Overlays and -@ (issue 16) against dtc 1.6.1: /plugin/ files compile to dtc's exact bytes
 * (fragment@N / __overlay__, __fixups__, __local_fixups__), with and without -@ (__symbols__),
 * and fdtoverlay applies our overlay to our base giving the same blob as with dtc's two blobs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeCompileDtsFile } from '../../native/dtc.js';
import { compileDtsFile, decompile, parseDtb, toDtb } from '../../src/dt/index.js';
import { compileSync } from '../../src/dt/compile.js';
import { havePeers } from '../helpers/peer.js';

const dir = join(import.meta.dirname, 'fixtures', 'overlay');
const work = join(tmpdir(), `nixwrt-dt-overlay-${process.pid}`);

async function both(name: string, symbols: boolean): Promise<[Buffer, Buffer]> {
  const path = join(dir, name);
  const ours = Buffer.from((await compileDtsFile(path, { symbols, bootCpuid: 0 })).dtb);
  const ref = Buffer.from(await nativeCompileDtsFile(path, { symbols, bootCpuid: 0 }));
  return [ours, ref];
}

describe.skipIf(!havePeers('dtc', 'cpp'))('overlays and __symbols__: same bytes as cpp + dtc', () => {
  for (const name of ['base.dts', 'overlay.dts', 'quirks.dts']) {
    for (const symbols of [false, true]) {
      it(`${name}${symbols ? ' -@' : ''}`, async () => {
        const [ours, ref] = await both(name, symbols);
        expect(ours).toEqual(ref);
        // the reader takes it back unchanged, and its DTS compiles to it again
        const tree = parseDtb(ours);
        expect(Buffer.from(toDtb(tree))).toEqual(ours);
        expect(Buffer.from(compileSync(decompile(tree), 'again.dts', { cpp: false, bootCpuid: 0 }).dtb)).toEqual(ours);
      });
    }
  }

  it('the overlay really has fixups, local fixups and symbols', async () => {
    const [ours] = await both('overlay.dts', true);
    const t = parseDtb(ours);
    const text = (p: string, n: string) => Buffer.from(t.getProperty(p, n)!).toString('latin1');
    expect(text('/__fixups__', 'uart0')).toBe('/fragment@0:target:0\0');
    expect(text('/__fixups__', 'gpio0').split('\0')).toContain('/fragment@1/__overlay__/bridge@6000/sub:gpios:12');
    expect([...t.getProperty('/__local_fixups__/fragment@0/__overlay__', 'interrupts-extended')!]).toEqual([0, 0, 0, 8]);
    expect(text('/__symbols__', 'new_led')).toBe('/fragment@2/__overlay__/b\0');
    expect(t.getProperty('/fragment@1', 'target-path')).toBeDefined();
  });
});

describe.skipIf(!havePeers('dtc', 'cpp', 'fdtoverlay'))('fdtoverlay takes our blobs', () => {
  it('our overlay on our base (-@) gives what dtc blobs give', async () => {
    mkdirSync(work, { recursive: true });
    const [baseOurs, baseRef] = await both('base.dts', true);
    const [ovOurs, ovRef] = await both('overlay.dts', false);
    const apply = (tag: string, base: Buffer, ov: Buffer): Buffer => {
      const b = join(work, `${tag}-base.dtb`);
      const o = join(work, `${tag}-ov.dtb`);
      const out = join(work, `${tag}-out.dtb`);
      writeFileSync(b, base);
      writeFileSync(o, ov);
      execFileSync('fdtoverlay', ['-i', b, '-o', out, o]);
      return readFileSync(out);
    };
    const ours = apply('ours', baseOurs, ovOurs);
    const ref = apply('ref', baseRef, ovRef);
    expect(ours).toEqual(ref);
    const t = parseDtb(ours);
    // the overlay landed: uart0 enabled, the new LED and interrupt controller exist
    expect(Buffer.from(t.getProperty('/soc/serial@3000', 'status')!).toString()).toBe('okay\0');
    expect(t.getNode('/leds/b')).toBeDefined();
    expect(t.getNode('/soc/local-intc@5000')).toBeDefined();
  });
});

describe.skipIf(!havePeers('dtc', 'cpp'))('nixwrt dtc -@', () => {
  it('writes the same blob as dtc -@', async () => {
    mkdirSync(work, { recursive: true });
    const out = join(work, 'cli.dtb');
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'nixwrt.js');
    const r = spawnSync(process.execPath, [bin, 'dtc', '-@', '-b', '0', join(dir, 'base.dts'), '-o', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [, ref] = await both('base.dts', true);
    expect(readFileSync(out)).toEqual(ref);
  });
});
