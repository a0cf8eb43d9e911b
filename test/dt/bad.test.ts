/**
 * One tiny input per diagnostic, named after its defect (test/dt/bad/*.dts). The first line
 * says which code and which line:col the error must carry. Plus a seeded fuzz: mutated DTS
 * and DTB inputs either work or fail with a DtError — never another exception.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileDtsFile, compileDtsSource, DeviceTree, DtError, parseDtb, toDtb } from '../../src/dt/index.js';

const badDir = join(import.meta.dirname, 'bad');
const plainDir = join(import.meta.dirname, 'fixtures', 'plain');

describe('each defect gives its coded error at file:line:col', () => {
  for (const f of readdirSync(badDir).filter((x) => x.endsWith('.dts')).sort()) {
    it(f, async () => {
      const path = join(badDir, f);
      const m = /^\/\/ expect: (\S+) (\d+):(\d+)(?: (\S+))?/.exec(readFileSync(path, 'latin1'))!;
      expect(m, 'first line names the expected error').toBeTruthy();
      const err = await compileDtsFile(path, { includeDirs: [badDir] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DtError);
      const e = err as DtError;
      expect(e.code).toBe(m[1]);
      const where = m[4] ? join(badDir, m[4]) : path;
      expect(e.message.startsWith(`${where}:${m[2]}:${m[3]}: `), e.message).toBe(true);
    });
  }
});

/** xorshift32, so the fuzz is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

function expectDtErrorOrSuccess(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DtError)) throw new Error(`${what}: ${String((e as Error)?.stack ?? e)}`);
  }
}

describe('malformed input never crashes', () => {
  it('mutated DTS text: DtError or a result', async () => {
    const next = rng(12345);
    const texts = readdirSync(plainDir)
      .filter((f) => f.endsWith('.dts'))
      .map((f) => readFileSync(join(plainDir, f), 'latin1'));
    const alphabet = '{}<>[]()"\';:/&#,=@\\\n x0';
    for (let k = 0; k < 400; k++) {
      const t = texts[k % texts.length]!;
      let s: string;
      const pos = Math.floor(next() * t.length);
      if (k % 3 === 0) s = t.slice(0, pos);
      else if (k % 3 === 1) s = t.slice(0, pos) + alphabet[Math.floor(next() * alphabet.length)] + t.slice(pos);
      else s = t.slice(0, pos) + t.slice(pos + 1 + Math.floor(next() * 8));
      let err: unknown;
      await compileDtsSource(s, { filename: join(plainDir, 'fuzz.dts'), includeDirs: [plainDir] }).catch((e: unknown) => (err = e));
      if (err !== undefined && !(err instanceof DtError)) throw new Error(`mutation ${k}: ${String((err as Error).stack)}\n---\n${s}`);
    }
  });

  it('mutated DTB bytes: DtError or a tree', () => {
    const next = rng(777);
    const t = DeviceTree.create();
    t.addNode('/a@1/b');
    t.setProperty('/a@1', 'reg', [1, 2]);
    t.setProperty('/a@1/b', 'compatible', ['x,y', 'z']);
    t.setProperty('/', 'model', 'fuzz');
    t.memreserve.push({ address: 0x1000n, size: 0x2000n });
    const good = toDtb(t);
    for (let k = 0; k < 2000; k++) {
      const b = Uint8Array.from(good);
      if (k % 4 === 0) {
        expectDtErrorOrSuccess(() => parseDtb(b.subarray(0, Math.floor(next() * b.length))), `truncation ${k}`);
        continue;
      }
      for (let j = 0; j < 1 + (k % 3); j++) b[Math.floor(next() * b.length)] = Math.floor(next() * 256);
      expectDtErrorOrSuccess(() => parseDtb(b), `mutation ${k}`);
    }
    expect(() => parseDtb(new Uint8Array(10))).toThrow(expect.objectContaining({ code: 'bad-dtb' }));
  });
});
