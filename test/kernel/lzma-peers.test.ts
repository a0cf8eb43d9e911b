/**
 * Our .lzma streams against the real decoders: the LZMA SDK (`lzma_alone d`), xz-utils
 * (`xz --format=lzma -d`) and Python's lzma module (liblzma). Also the end-marker question,
 * with positive controls that show each check can see a marker when there is one.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import lzmaNative from 'lzma-native';
import { decodeLzmaAloneDetailed, encodeLzmaAlone } from '../../src/kernel/lzma/index.js';
import { decodeLzmaAloneNative, encodeLzmaAloneNative } from '../../native/lzma-alone.js';
import { havePeers } from '../helpers/peer.js';
import { mipsSample, randomBytes, text } from './lzma-samples.js';

const dir = mkdtempSync(join(tmpdir(), 'lzma-peers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function xzDecode(bytes: Uint8Array): { ok: boolean; out: Uint8Array; err: string } {
  const r = spawnSync('xz', ['--format=lzma', '-dc'], { input: bytes, maxBuffer: 1 << 30 });
  return { ok: r.status === 0, out: new Uint8Array(r.stdout), err: r.stderr.toString() };
}

const PY_DECODE = `
import lzma, sys
data = open(sys.argv[1], 'rb').read()
try:
    sys.stdout.buffer.write(lzma.decompress(data, format=lzma.FORMAT_ALONE))
except Exception as e:
    sys.stderr.write(type(e).__name__ + ': ' + str(e)); sys.exit(3)
`;

function pyDecode(bytes: Uint8Array): { ok: boolean; out: Uint8Array; err: string } {
  const f = join(dir, `py-${Math.random().toString(36).slice(2)}.lzma`);
  writeFileSync(f, bytes);
  const r = spawnSync('python3', ['-c', PY_DECODE, f], { maxBuffer: 1 << 30 });
  return { ok: r.status === 0, out: new Uint8Array(r.stdout), err: r.stderr.toString() };
}

function withUnknownSize(bytes: Uint8Array): Uint8Array {
  const c = bytes.slice();
  c.fill(0xff, 5, 13);
  return c;
}

const samples: [string, () => Uint8Array][] = [
  ['empty', () => new Uint8Array(0)],
  ['one byte', () => Uint8Array.of(7)],
  ['zeros', () => new Uint8Array(100_000)],
  ['random', () => randomBytes(60_000)],
  ['text', () => text(100_000)],
  ['MIPS code', () => mipsSample(512 * 1024) ?? randomBytes(10)],
];

describe.skipIf(!havePeers('lzma_alone', 'xz', 'python3'))('lzma against peer decoders', () => {
  describe.each(['normal', 'fast'] as const)('%s mode', (mode) => {
    it.each(samples)('%s decodes with lzma_alone, xz and Python', async (_n, make) => {
      const input = make();
      const ours = encodeLzmaAlone(input, { mode });
      expect(await decodeLzmaAloneNative(ours)).toEqual(input);
      const xz = xzDecode(ours);
      expect(xz.err).toBe('');
      expect(xz.out).toEqual(input);
      const py = pyDecode(ours);
      expect(py.err).toBe('');
      expect(py.out).toEqual(input);
    });
  });

  it('every lc/lp/pb combination decodes with lzma_alone, and with liblzma where it allows lc+lp<=4', async () => {
    const input = new Uint8Array([...text(2000), ...randomBytes(200, 5), ...text(1000)]);
    writeFileSync(join(dir, 'combo.raw'), input);
    const names: string[] = [];
    for (let lc = 0; lc <= 8; lc++)
      for (let lp = 0; lp <= 4; lp++)
        for (let pb = 0; pb <= 4; pb++) {
          const name = `c-${lc}-${lp}-${pb}.lzma`;
          writeFileSync(join(dir, name), encodeLzmaAlone(input, { lc, lp, pb, mode: lc & 1 ? 'fast' : 'normal' }));
          names.push(name);
          await new Promise((r) => setImmediate(r)); // let vitest's RPCs through
        }
    // One process per tool, not 225.
    // Asynchronous: 225 decodes take a minute on a loaded machine, past vitest's RPC deadline.
    const sdk = await promisify(execFile)('sh', ['-c', 'for f in c-*.lzma; do lzma_alone d "$f" "$f.out" 2>/dev/null && cmp -s "$f.out" combo.raw && echo "$f"; done'], { cwd: dir });
    expect(sdk.stdout.toString().trim().split('\n').sort()).toEqual([...names].sort());
    const py = await promisify(execFile)('python3', ['-c', `
import lzma, glob, sys
raw = open('combo.raw','rb').read(); ok = 0
for f in sorted(glob.glob('c-*.lzma')):
    lc, lp, pb = map(int, f[2:-5].split('-'))
    if lc + lp > 4: continue
    assert lzma.decompress(open(f,'rb').read(), format=lzma.FORMAT_ALONE) == raw, f
    ok += 1
print(ok)`], { cwd: dir });
    expect(py.stderr).toBe('');
    // lc+lp<=4: 15 (lc,lp) pairs x 5 pb values.
    expect(py.stdout.trim()).toBe('75');
  });

  describe('no end marker', () => {
    const input = mipsSample(256 * 1024) ?? text(100_000);
    const ours = encodeLzmaAlone(input);

    it('our strict decoder ends on the last byte, on a zero code, with no marker', () => {
      const r = decodeLzmaAloneDetailed(ours, { strict: true });
      expect(r.endMarker).toBe(false);
      expect(r.consumed).toBe(ours.length);
      expect(r.cleanEnd).toBe(true);
    });

    it('control: the same checks see the marker the SDK writes with -eos', async () => {
      const eos = await encodeLzmaAloneNative(input, { eos: true });
      const r = decodeLzmaAloneDetailed(eos, { strict: true });
      expect(r.data).toEqual(input);
      expect(r.endMarker).toBe(true);
      expect(r.consumed).toBe(eos.length);
      // And without -eos the SDK's stream looks like ours.
      const plain = decodeLzmaAloneDetailed(await encodeLzmaAloneNative(input), { strict: true });
      expect(plain.endMarker).toBe(false);
      expect(plain.data).toEqual(input);
    });

    it('liblzma (xz, Python) finds no marker when told the size is unknown; the -eos control passes', async () => {
      const unknown = withUnknownSize(ours);
      const xz = xzDecode(unknown);
      expect(xz.ok).toBe(false);
      expect(xz.err).toMatch(/Unexpected end of input/);
      const py = pyDecode(unknown);
      expect(py.ok).toBe(false);
      expect(py.err).toMatch(/ended before the end-of-stream marker/);
      const control = withUnknownSize(await encodeLzmaAloneNative(input, { eos: true }));
      expect(xzDecode(control).out).toEqual(input);
      expect(pyDecode(control).out).toEqual(input);
    });

    it('confirms the brief: lzma-native 8 (liblzma 5.2.3) writes a marker even from its raw LZMA1 encoder', async () => {
      const raw = await new Promise<Uint8Array>((resolve, reject) => {
        const s = lzmaNative.createStream('rawEncoder', {
          filters: [{ id: lzmaNative.FILTER_LZMA1, options: { lc: 1, lp: 2, pb: 2, dict_size: 1 << 23 } }],
        });
        const chunks: Buffer[] = [];
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
        s.on('error', reject);
        s.end(Buffer.from(text(5000)));
      });
      const header = encodeLzmaAlone(new Uint8Array(5000)).subarray(0, 13);
      const r = decodeLzmaAloneDetailed(new Uint8Array([...header, ...raw]));
      expect(r.data).toEqual(text(5000));
      expect(r.endMarker).toBe(true);
    });
  });

  it('our decoder reads the SDK encoder output for every sample', async () => {
    for (const [, make] of samples) {
      const input = make();
      const sdk = await encodeLzmaAloneNative(input, { lc: 0, lp: 0, pb: 0, dictSize: 1 << 16 });
      expect(decodeLzmaAloneDetailed(sdk).data).toEqual(input);
    }
  });
});
