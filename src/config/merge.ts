import { MergeError } from './errors.js';
import { isOverride } from './types.js';

/**
 * The merge rules of the module system, explicit (NixWRT let the last writer win silently):
 * - lists are concatenated, then de-duplicated (first occurrence kept);
 * - records (plain objects) are merged key by key, recursively;
 * - scalars (strings, numbers, booleans, byte arrays) must be equal, unless exactly one side
 *   is wrapped in override(); two different overrides are a conflict too.
 * `who` names the contributor of `b`; `owners` remembers who set each path so a conflict
 * message can name both sides.
 */
export function mergeValues(a: unknown, b: unknown, who: string, owners: Map<string, string>, path = ''): unknown {
  if (b === undefined) return a;
  if (a === undefined) {
    owners.set(path, who);
    return b;
  }
  const ao = isOverride(a);
  const bo = isOverride(b);
  if (ao && bo) {
    if (deepEqual(a.value, b.value)) return a;
    conflict(path, a.value, b.value, ownerOf(owners, path), who, 'both are override()');
  }
  if (bo) {
    owners.set(path, who);
    return b;
  }
  if (ao) return a;
  if (Array.isArray(a) && Array.isArray(b)) return dedup([...a, ...b]);
  if (isRecord(a) && isRecord(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = mergeValues(out[k], v, who, owners, `${path}${keyPath(k)}`);
    return out;
  }
  if (kind(a) !== kind(b)) {
    throw new MergeError(
      'merge-type-mismatch',
      `${path || '(top)'}: ${ownerOf(owners, path) ?? '?'} gives ${kind(a)} but ${who} gives ${kind(b)}`,
    );
  }
  if (!deepEqual(a, b)) conflict(path, a, b, ownerOf(owners, path), who, '');
  return a;
}

/** Replace every override(x) by x, recursively. */
export function stripOverrides(v: unknown): unknown {
  if (isOverride(v)) return stripOverrides(v.value);
  if (Array.isArray(v)) return dedup(v.map(stripOverrides));
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stripOverrides(x)]));
  return v;
}

export function dedup<T>(list: T[]): T[] {
  const out: T[] = [];
  const seen = new Set<unknown>();
  for (const x of list) {
    if (typeof x !== 'object' || x === null) {
      if (seen.has(x)) continue;
      seen.add(x);
    } else if (out.some((y) => deepEqual(x, y))) continue;
    out.push(x);
  }
  return out;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Who set `path`: the owner recorded for it or for its nearest ancestor. */
function ownerOf(owners: Map<string, string>, path: string): string | undefined {
  let best: string | undefined;
  let bestLen = -1;
  for (const [p, who] of owners) {
    const isPrefix = path === p || (path.startsWith(p) && (path[p.length] === '.' || path[p.length] === '['));
    if (isPrefix && p.length > bestLen) [best, bestLen] = [who, p.length];
  }
  return best;
}

function kind(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'bytes';
  if (isRecord(v)) return 'a record';
  return `a ${typeof v}`;
}

function keyPath(k: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 50 ? s.slice(0, 47) + '..."' : s;
}

function conflict(path: string, a: unknown, b: unknown, whoA: string | undefined, whoB: string, extra: string): never {
  throw new MergeError(
    'merge-conflict',
    `${path || '(top)'}: conflicting values ${show(a)} (from ${whoA ?? '?'}) and ${show(b)} (from ${whoB})` +
      (extra ? `; ${extra}` : '; wrap the one that should win in override(...)'),
  );
}
