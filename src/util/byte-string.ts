/**
 * File names, symlink targets and xattr names are bytes on Linux, not text, and any byte but
 * NUL (and "/" in a name) may appear. They travel through the tree model as JS strings
 * ("byte strings"): valid UTF-8 decodes as usual and every byte that is not part of a valid
 * UTF-8 sequence becomes a lone low surrogate U+DC80..U+DCFF (Python's "surrogateescape").
 * Valid UTF-8 never decodes to a lone surrogate, so any bytes survive the trip:
 * bytesOf(byteString(b)) equals b. fs calls take such a string through fsPath().
 */

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const ESC = 0xdc00;

/** The byte string of `b` (see above). */
export function byteString(b: Uint8Array): string {
  // Almost every name is valid UTF-8: one native decode.
  try {
    return utf8Strict.decode(b);
  } catch {
    return escapeDecode(b);
  }
}

/** Length of the valid UTF-8 sequence at b[i] (WHATWG's ranges), or 0 if none starts there. */
function seqLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const ok1 = c === 0xe0 ? cont(1, 0xa0) : c === 0xed ? cont(1, 0x80, 0x9f) : cont(1);
    return ok1 && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const ok1 = c === 0xf0 ? cont(1, 0x90) : c === 0xf4 ? cont(1, 0x80, 0x8f) : cont(1);
    return ok1 && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

function escapeDecode(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; ) {
    const n = seqLength(b, i);
    if (n === 0) {
      out += String.fromCharCode(ESC + b[i]!);
      i++;
    } else {
      out += utf8Strict.decode(b.subarray(i, i + n));
      i += n;
    }
  }
  return out;
}

const hasSurrogate = /[\ud800-\udfff]/;
const hasEscape = /[\udc80-\udcff]/;

/**
 * The bytes of byte string `s`. Other lone surrogates (not from byteString) encode as U+FFFD,
 * as TextEncoder encodes them; isByteString() tells such strings apart.
 */
export function bytesOf(s: string): Buffer {
  if (!hasSurrogate.test(s)) return Buffer.from(s, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (u >= 0xd800 && u <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      for (const x of Buffer.from(s.slice(i, i + 2), 'utf8')) out.push(x);
      i++;
    } else if (u >= ESC + 0x80 && u <= ESC + 0xff) out.push(u - ESC);
    else for (const x of Buffer.from(s[i]!, 'utf8')) out.push(x);
  }
  return Buffer.from(out);
}

/** The number of bytes of byte string `s` (without building them, for most strings). */
export function byteLength(s: string): number {
  return hasSurrogate.test(s) ? bytesOf(s).length : Buffer.byteLength(s);
}

/** True when `s` is what byteString() makes of some bytes (no stray surrogates, no escape of bytes that form valid UTF-8). */
export function isByteString(s: string): boolean {
  return !hasSurrogate.test(s) || byteString(bytesOf(s)) === s;
}

/** `s` for a node:fs call: the string itself, or its bytes when it holds escaped bytes. */
export function fsPath(s: string): string | Buffer {
  return hasEscape.test(s) ? bytesOf(s) : s;
}

/** Byte-wise order of two byte strings (Nix's and mksquashfs's order of names). */
export function compareByteStrings(a: string, b: string): number {
  return Buffer.compare(bytesOf(a), bytesOf(b));
}

/** A byte string for messages: escaped bytes shown as \xNN. */
export function showByteString(s: string): string {
  return hasEscape.test(s) ? s.replace(/[\udc80-\udcff]/g, (c) => `\\x${(c.charCodeAt(0) - ESC).toString(16)}`) : s;
}
