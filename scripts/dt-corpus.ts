// The whole kernel DTS corpus against dtc: every .dts under arch/*/boot/dts of
// linux-source-6.1 (2,585 files), compiled by us (the TypeScript sources, through tsx) without and
// with -@, each blob's SHA-256 compared with what cpp + dtc 1.6.1 gave
// (test/dt/fixtures/kernel-6.1-dtc.sha256, made by make-kernel-dtc-hashes.sh). Prints a
// per-architecture table and lists every file that differs or that we refuse.
// Usage: npx tsx scripts/dt-corpus.ts [ARCH...]    (CI runs a fixed share: test/dt/corpus.test.ts)
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSync } from '../src/dt/compile.js';
import { createPreprocessCache } from '../src/dt/index.js';
import { loadDtcHashes, prepareCorpus } from '../test/dt/kernel-corpus.js';

interface Row {
  files: number;
  plain: number;
  symbols: number;
  dtcFailed: number;
}

const here = import.meta.dirname;
const wanted = new Set(process.argv.slice(2));
const corpus = prepareCorpus((s) => process.stderr.write(`${s}\n`));
const hashes = loadDtcHashes(join(here, '..', 'test', 'dt', 'fixtures', 'kernel-6.1-dtc.sha256'));
const cache = createPreprocessCache();
const rows = new Map<string, Row>();
const problems: string[] = [];
const t0 = Date.now();
for (const f of corpus.files) {
  const arch = f.split('/')[1]!;
  if (wanted.size > 0 && !wanted.has(arch)) continue;
  const want = hashes.get(f);
  const row = rows.get(arch) ?? { files: 0, plain: 0, symbols: 0, dtcFailed: 0 };
  rows.set(arch, row);
  row.files++;
  if (!want) {
    problems.push(`${f}: no pinned hash`);
    continue;
  }
  if (want.plain === 'FAILED') row.dtcFailed++;
  const path = join(corpus.root, f);
  const text = readFileSync(path, 'latin1');
  for (const symbols of [false, true]) {
    const ref = symbols ? want.symbols : want.plain;
    let got: string;
    try {
      const { dtb } = compileSync(text, path, { includeDirs: corpus.includeDirsFor(f), defines: { __DTS__: '1' }, bootCpuid: 0, cache, symbols });
      got = createHash('sha256').update(dtb).digest('hex');
    } catch (e) {
      got = 'FAILED';
      if (ref !== 'FAILED') problems.push(`${f}${symbols ? ' -@' : ''}: we refuse: ${(e as Error).message}`);
    }
    if (got === ref) row[symbols ? 'symbols' : 'plain']++;
    else if (got !== 'FAILED') problems.push(`${f}${symbols ? ' -@' : ''}: ${ref === 'FAILED' ? 'dtc refuses, we accept' : 'differs from dtc'}`);
  }
}
const total: Row = { files: 0, plain: 0, symbols: 0, dtcFailed: 0 };
console.log('| arch | .dts | identical | identical with -@ | refused by cpp/dtc (we refuse too) |');
console.log('|---|---:|---:|---:|---:|');
for (const [arch, r] of [...rows].sort()) {
  console.log(`| ${arch} | ${r.files} | ${r.plain} | ${r.symbols} | ${r.dtcFailed} |`);
  for (const k of ['files', 'plain', 'symbols', 'dtcFailed'] as const) total[k] += r[k];
}
console.log(`| all | ${total.files} | ${total.plain} | ${total.symbols} | ${total.dtcFailed} |`);
console.log(`\n${Date.now() - t0} ms; identical counts include files both sides refuse.`);
for (const p of problems) console.log(`- ${p}`);
