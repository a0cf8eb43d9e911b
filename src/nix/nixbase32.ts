import { NixFormatError } from './errors.js';

/**
 * Nix's base-32: alphabet without e, o, u, t; the digest is read as a little-endian
 * number and printed most-significant 5-bit group first, so byte 0 ends up last.
 */
export const NIX32_ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';

const decodeTable = new Int8Array(128).fill(-1);
for (let i = 0; i < NIX32_ALPHABET.length; i++) decodeTable[NIX32_ALPHABET.charCodeAt(i)] = i;

/** Length of the nix32 form of `bytes` bytes (32 → 52, 20 → 32, 64 → 103). */
export function nix32Length(bytes: number): number {
  return Math.ceil((bytes * 8) / 5);
}

export function nix32Encode(data: Uint8Array): string {
  const len = nix32Length(data.length);
  let out = '';
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    const c = (data[i] >> j) | (i + 1 < data.length ? data[i + 1] << (8 - j) : 0);
    out += NIX32_ALPHABET[c & 0x1f];
  }
  return out;
}

export function nix32Decode(s: string): Uint8Array {
  const size = Math.floor((s.length * 5) / 8);
  if (nix32Length(size) !== s.length) throw new NixFormatError('bad-nix32', `nix32 string has impossible length ${s.length}`);
  const out = new Uint8Array(size);
  for (let n = 0; n < s.length; n++) {
    const code = s.charCodeAt(s.length - n - 1);
    const digit = code < 128 ? decodeTable[code] : -1;
    if (digit < 0) throw new NixFormatError('bad-nix32', `invalid nix32 character ${JSON.stringify(s[s.length - n - 1])}`);
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    out[i] |= (digit << j) & 0xff;
    const carry = digit >> (8 - j);
    if (i + 1 < size) out[i + 1] |= carry;
    else if (carry !== 0) throw new NixFormatError('bad-nix32', `nix32 string ${s} has non-zero padding bits`);
  }
  return out;
}

export function isNix32(s: string): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 128 || decodeTable[c] < 0) return false;
  }
  return true;
}
