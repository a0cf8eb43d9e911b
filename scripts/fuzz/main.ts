/**
 * npm run fuzz -- [--target NAME[,NAME...]] [--iterations N] [--seconds S] [--seed X]
 *                 [--timeout MS] [--mem MB] [--no-save] [--json FILE]
 *
 * Seeded and deterministic: the same seed and iteration count feed every parser the same
 * inputs. Crashers are minimised and written to test/fuzz/regressions/<target>/ (unless
 * --no-save), where test/fuzz/fuzz.test.ts replays them. Exit status 1 if any were found.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { crasherName, fuzzTarget, type TargetStats } from './runner.js';
import { TARGETS, isTargetName, type TargetName } from './target.js';
import { formatTable } from './table.js';

const REGRESSIONS = join(import.meta.dirname, '..', '..', 'test', 'fuzz', 'regressions');

function parseArgs(argv: string[]) {
  const o = { targets: [...TARGETS] as TargetName[], iterations: 1000, seconds: undefined as number | undefined, seed: 1, timeoutMs: 10_000, memMb: 512, save: true, json: undefined as string | undefined, minimize: 300 };
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${flag} wants a number, got ${String(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => argv[++i];
    switch (a) {
      case '--target': {
        const names = (v() ?? '').split(',').filter(Boolean);
        for (const n of names) if (!isTargetName(n)) throw new Error(`unknown target ${n}; targets: ${TARGETS.join(', ')}`);
        o.targets = names as TargetName[];
        break;
      }
      case '--iterations': o.iterations = num(a, v()); break;
      case '--seconds': o.seconds = num(a, v()); break;
      case '--seed': o.seed = num(a, v()); break;
      case '--timeout': o.timeoutMs = num(a, v()); break;
      case '--mem': o.memMb = num(a, v()); break;
      case '--minimize': o.minimize = num(a, v()); break;
      case '--no-save': o.save = false; break;
      case '--json': o.json = v(); break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  return o;
}

let o: ReturnType<typeof parseArgs>;
try {
  o = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(`fuzz: ${(err as Error).message}`);
  process.exit(2);
}

const load = loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`fuzz: seed ${o.seed}, ${o.iterations} iterations${o.seconds ? ` or ${o.seconds} s` : ''} per target, timeout ${o.timeoutMs} ms, heap ${o.memMb} MiB`);
console.log(`machine: ${cpus()[0]?.model ?? '?'} x${availableParallelism()}, load ${load}, node ${process.version}`);
const all: TargetStats[] = [];
for (const t of o.targets) {
  const s = await fuzzTarget(t, {
    iterations: o.iterations, seconds: o.seconds, seed: o.seed, timeoutMs: o.timeoutMs, memMb: o.memMb, minimizeBudget: o.minimize,
    onProgress: (p) => process.stderr.write(`  ${t}: ${p.iterations} inputs, ${p.seconds.toFixed(0)} s\r`),
  });
  all.push(s);
  if (s.iterations >= 1000) process.stderr.write('\n');
  console.log(formatTable([s]).split('\n').slice(2).join('\n'));
  for (const c of s.crashes) {
    let where = '';
    if (o.save) {
      const dir = join(REGRESSIONS, t);
      mkdirSync(dir, { recursive: true });
      where = join(dir, crasherName(c.input));
      writeFileSync(where, c.input);
    }
    console.log(`  ${c.kind} x${c.count} (first at iteration ${c.iteration}, ${c.input.length} bytes${where ? `, saved ${where}` : ''}): ${c.signature}\n    ${c.detail}`);
  }
}
console.log(`\n${formatTable(all)}`);
if (o.json) {
  const strip = all.map((s) => ({ ...s, crashes: s.crashes.map((c) => ({ ...c, input: Buffer.from(c.input).toString('base64') })) }));
  writeFileSync(o.json, JSON.stringify({ seed: o.seed, iterations: o.iterations, load, stats: strip }, null, 2));
}
process.exit(all.some((s) => s.crashes.length > 0) ? 1 : 0);
