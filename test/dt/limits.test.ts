/**
 * Inputs at the edges of what dtc takes (issue 13): a long string, deep expressions, deep
 * nesting compile to dtc's exact bytes; beyond our own limits the error is typed and placed;
 * a macro bomb stops on the whole-file expansion budget; deep blobs are refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileDtsSource, DtError, parseDtb, preprocess } from '../../src/dt/index.js';
import { ExpansionBudget, MAX_FILE_EXPANSION_TOKENS } from '../../src/dt/preprocess/macros.js';
import { MAX_NODE_DEPTH } from '../../src/dt/tree.js';
import { havePeers } from '../helpers/peer.js';

const work = join(tmpdir(), `nixwrt-dt-limits-${process.pid}`);

/** dtc's blob for DTS text (no cpp), via a file so its messages name one. */
function dtc(name: string, text: string): Buffer {
  mkdirSync(work, { recursive: true });
  const f = join(work, name);
  writeFileSync(f, text, 'latin1');
  return execFileSync('dtc', ['-q', '-O', 'dtb', f], { maxBuffer: 1 << 26 });
}

async function ours(text: string): Promise<Buffer> {
  return Buffer.from((await compileDtsSource(text, { filename: 'limits.dts', cpp: false })).dtb);
}

async function refusal(text: string): Promise<DtError> {
  const e = await compileDtsSource(text, { filename: 'limits.dts', cpp: false }).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DtError);
  return e as DtError;
}

const nested = (n: number, inner = '') => `/dts-v1/;\n/ { ${'a { '.repeat(n)}${inner}${'};'.repeat(n)} };\n`;

describe.skipIf(!havePeers('dtc'))('what dtc takes, we take: same bytes', () => {
  const cases: [string, string][] = [
    ['a 130 KB string', `/dts-v1/;\n/ { s = "${'x'.repeat(130_000)}"; t = "${'\\x01'.repeat(10_000)}"; };\n`],
    ['600 nested parentheses', `/dts-v1/;\n/ { a = <${'('.repeat(600)}7${')'.repeat(600)}>; };\n`],
    ['9,000 nested parentheses', `/dts-v1/;\n/ { a = <${'('.repeat(9000)}1 + 2${')'.repeat(9000)}>; };\n`],
    ['5,000 unary operators', `/dts-v1/;\n/ { a = <(${'- ~ '.repeat(2500)}5)>; };\n`],
    [
      'precedence and ternaries',
      `/dts-v1/;\n/ { a = <(1 + 2 * 3 - 4 / 2 % 3 << 2 | 1 ^ 3 & 7) (1 ? 2 : 3 ? 4 : 5) (0 ? 1 : 0 ? 2 : 3) (1 < 2 == 1 && !0 || 0) (-1 >> 60) (2 ? 0 ? 6 : 7 : 8) ((1 ? 2 : 3) + 1)>; b = /bits/ 64 <(~0 - 1)>; };\n`,
    ],
    ['2,000 ternaries', `/dts-v1/;\n/ { a = <(${'0 ? 1 : '.repeat(2000)}9)>; };\n`],
    [
      '2,000 nested nodes with labels and references',
      `/dts-v1/;\n/ { ${Array.from({ length: 2000 }, (_, i) => `l${i}: n${i % 7} { `).join('')}p = <&l0 &l1999>; q = &l1999; ${'};'.repeat(2000)} };\n&l1500 { r; };\n`,
    ],
    ['3,300 nested nodes (dtc takes ~3,330)', nested(3300, 'x = <1>;')],
    ['5,000 sibling nodes', `/dts-v1/;\n/ { ${Array.from({ length: 5000 }, (_, i) => `n${i} { };`).join(' ')} };\n`],
  ];
  for (const [what, text] of cases) {
    it(what, async () => {
      expect(await ours(text)).toEqual(dtc('case.dts', text));
    });
  }
});

describe('beyond our limits: a typed error with file:line:col', () => {
  it(`nodes nested deeper than ${MAX_NODE_DEPTH}`, async () => {
    const e = await refusal(nested(MAX_NODE_DEPTH));
    expect(e.code).toBe('too-deep');
    expect(e.message).toMatch(/^limits\.dts:2:\d+: nodes nested more than 4000 deep/);
  });

  it('macro calls nested 1,000 deep in arguments', async () => {
    const e = await compileDtsSource(`#define F(x) x\n/dts-v1/;\n/ { a = <${'F('.repeat(1000)}1${')'.repeat(1000)}>; };\n`, { filename: 'limits.dts' }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(DtError);
    expect((e as DtError).code).toBe('too-deep');
    expect((e as DtError).message).toMatch(/^limits\.dts:3:\d+: macro arguments nested more than 400 deep/);
  });

  it('an unfinished expression still names what it expected', async () => {
    const e = await refusal('/dts-v1/;\n/ { a = <(1 ? 2)>; };\n');
    expect(e.code).toBe('syntax');
    expect(e.message).toBe("limits.dts:2:16: syntax error: expected ':', found ')'");
  });

  it('a blob nested deeper than the limit', () => {
    const depth = MAX_NODE_DEPTH + 5;
    const struct: number[] = [];
    for (let i = 0; i <= depth; i++) struct.push(1, i === 0 ? 0 : 0x61000000);
    for (let i = 0; i <= depth; i++) struct.push(2);
    struct.push(9);
    const b = Buffer.alloc(40 + 16 + struct.length * 4);
    const h = [0xd00dfeed, b.length, 56, b.length, 40, 17, 16, 0, 0, struct.length * 4];
    h.forEach((v, i) => b.writeUInt32BE(v, i * 4));
    struct.forEach((v, i) => b.writeUInt32BE(v, 56 + i * 4));
    expect(() => parseDtb(b)).toThrow(expect.objectContaining({ code: 'too-deep' }));
  });
});

describe('macro expansion budget for the whole file', () => {
  const bomb = (uses: number) =>
    [
      '#define A0 x x x x x x x x x x x x x x x x',
      '#define A1 A0 A0 A0 A0 A0 A0 A0 A0 A0 A0 A0 A0 A0 A0 A0 A0',
      '#define A2 A1 A1 A1 A1 A1 A1 A1 A1 A1 A1 A1 A1 A1 A1 A1 A1',
      '#define A3 A2 A2 A2 A2 A2 A2 A2 A2 A2 A2 A2 A2 A2 A2 A2 A2',
      `/ { p = ${'A3 '.repeat(uses)}; };`,
    ].join('\n');
  const run = (text: string, budget: ExpansionBudget) => preprocess(text, 'bomb.dts', { includeDirs: [], defines: {}, readFile: () => undefined, budget });

  it('each use is small, together they stop at the budget with a typed error', () => {
    const budget = new ExpansionBudget();
    expect(() => run(bomb(1000), budget)).toThrow(expect.objectContaining({ code: 'expansion-limit' }));
    // stopped as soon as the budget ran out, not after expanding all 1000 uses (70 M tokens)
    expect(budget.tokens).toBeGreaterThan(MAX_FILE_EXPANSION_TOKENS);
    expect(budget.tokens).toBeLessThan(MAX_FILE_EXPANSION_TOKENS + 100_000);
  });

  it('pasting that doubles a token per level stops on the character budget', () => {
    const budget = new ExpansionBudget();
    const text = '#define P(a) a##a\n#define Q(a) P(a)\n#define R(a) Q(Q(Q(Q(a))))\n#define S(a) R(R(R(R(a))))\nx S(S(x))\n';
    expect(() => run(text, budget)).toThrow(expect.objectContaining({ code: 'expansion-limit' }));
    expect(budget.tokens).toBeLessThan(1000);
  });

  it('a file under the budget expands fully', () => {
    const budget = new ExpansionBudget();
    const out = run(bomb(2), budget);
    expect(out.split('x').length - 1).toBe(2 * 65536);
    expect(budget.tokens).toBeLessThan(MAX_FILE_EXPANSION_TOKENS);
  });
});
