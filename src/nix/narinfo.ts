import { NixFormatError } from './errors.js';
import { formatHashNix32, parseHash, type Hash } from './hash.js';
import { STORE_DIR, isStoreBaseName, storePathBaseName } from './store-path.js';

/**
 * A `.narinfo`: `Key: value` lines describing one store path in a binary cache.
 * Unknown keys are kept in `extra` (in order) so serialize() loses nothing.
 */
export interface NarInfo {
  storePath: string;
  url: string;
  /** As written; a missing Compression line means bzip2 (see `compressionOf`). */
  compression?: string;
  fileHash?: Hash;
  fileSize?: number;
  narHash: Hash;
  narSize: number;
  /** Base names, in the order listed. */
  references: string[];
  deriver?: string;
  system?: string;
  /** `keyname:base64`, in the order listed. */
  sigs: string[];
  ca?: string;
  extra: Array<[string, string]>;
}

export function compressionOf(info: NarInfo): string {
  return info.compression ?? 'bzip2';
}

function parseSize(key: string, v: string): number {
  if (!/^[0-9]{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new NixFormatError('bad-narinfo', `${key} is not a size: ${JSON.stringify(v)}`);
  }
  return Number(v);
}

/** Parse narinfo text; `where` (a URL) makes error messages point at the source. */
export function parseNarInfo(text: string, where = 'narinfo', storeDir = STORE_DIR): NarInfo {
  const fields = new Map<string, string>();
  const sigs: string[] = [];
  const extra: Array<[string, string]> = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === '') continue;
    const colon = line.indexOf(': ');
    if (colon <= 0) throw new NixFormatError('bad-narinfo', `${where}:${n + 1}: expected "Key: value"`);
    const key = line.slice(0, colon);
    const value = line.slice(colon + 2);
    if (key === 'Sig') sigs.push(value);
    else if (KNOWN.has(key)) {
      if (fields.has(key)) throw new NixFormatError('bad-narinfo', `${where}:${n + 1}: duplicate ${key}`);
      fields.set(key, value);
    } else extra.push([key, value]);
  }
  const need = (k: string): string => {
    const v = fields.get(k);
    if (v === undefined) throw new NixFormatError('bad-narinfo', `${where}: missing ${k}`);
    return v;
  };
  const storePath = need('StorePath');
  storePathBaseName(storePath, storeDir);
  const refs = fields.get('References') ?? '';
  const references = refs === '' ? [] : refs.split(' ');
  for (const r of references) {
    if (!isStoreBaseName(r)) throw new NixFormatError('bad-narinfo', `${where}: bad reference ${JSON.stringify(r)}`);
  }
  const info: NarInfo = {
    storePath,
    url: need('URL'),
    narHash: parseHash(need('NarHash')),
    narSize: parseSize('NarSize', need('NarSize')),
    references,
    sigs,
    extra,
  };
  const opt = (k: string): string | undefined => fields.get(k);
  if (opt('Compression') !== undefined) info.compression = opt('Compression');
  if (opt('FileHash') !== undefined) info.fileHash = parseHash(opt('FileHash')!);
  if (opt('FileSize') !== undefined) info.fileSize = parseSize('FileSize', opt('FileSize')!);
  if (opt('Deriver') !== undefined) info.deriver = opt('Deriver');
  if (opt('System') !== undefined) info.system = opt('System');
  if (opt('CA') !== undefined) info.ca = opt('CA');
  if (info.narHash.algo !== 'sha256') throw new NixFormatError('bad-narinfo', `${where}: NarHash must be sha256`);
  if (info.url === '' || info.url.includes('\n')) throw new NixFormatError('bad-narinfo', `${where}: empty URL`);
  return info;
}

const KNOWN = new Set(['StorePath', 'URL', 'Compression', 'FileHash', 'FileSize', 'NarHash', 'NarSize', 'References', 'Deriver', 'System', 'CA']);

/** Serialize in the order Nix writes (hashes in nix32), then unknown keys. */
export function serializeNarInfo(info: NarInfo): string {
  const lines: string[] = [`StorePath: ${info.storePath}`, `URL: ${info.url}`];
  if (info.compression !== undefined) lines.push(`Compression: ${info.compression}`);
  if (info.fileHash) lines.push(`FileHash: ${formatHashNix32(info.fileHash)}`);
  if (info.fileSize !== undefined) lines.push(`FileSize: ${info.fileSize}`);
  lines.push(`NarHash: ${formatHashNix32(info.narHash)}`, `NarSize: ${info.narSize}`);
  lines.push(`References: ${info.references.join(' ')}`);
  if (info.deriver !== undefined) lines.push(`Deriver: ${info.deriver}`);
  if (info.system !== undefined) lines.push(`System: ${info.system}`);
  for (const s of info.sigs) lines.push(`Sig: ${s}`);
  if (info.ca !== undefined) lines.push(`CA: ${info.ca}`);
  for (const [k, v] of info.extra) lines.push(`${k}: ${v}`);
  return lines.join('\n') + '\n';
}

/**
 * What the signatures sign: `1;path;sha256:nix32;size;refs joined by ","`. Nix keeps
 * references in a sorted set, so they are sorted here too (narinfos list them sorted anyway).
 */
export function fingerprint(info: NarInfo, storeDir = STORE_DIR): string {
  const refs = [...info.references].sort(compareBytes).map((r) => `${storeDir}/${r}`).join(',');
  return `1;${info.storePath};${formatHashNix32(info.narHash)};${info.narSize};${refs}`;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
