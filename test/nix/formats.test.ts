import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nix32Decode, nix32Encode } from '../../src/nix/nixbase32.js';
import { formatHashNix32, formatHashSRI, parseHash } from '../../src/nix/hash.js';
import { fingerprint, parseNarInfo, serializeNarInfo, compressionOf } from '../../src/nix/narinfo.js';
import { parsePublicKey, verifyNarInfo, verifyNarInfoAsync } from '../../src/nix/signature.js';
import { storePathHashPart } from '../../src/nix/store-path.js';
import { havePeers } from '../helpers/peer.js';
import { nixEnv, pseudoRandom } from './nix-peer.js';
import { CURL_BIN, CURL_BIN_FINGERPRINT, NET_TOOLS, NIXOS_KEY, TEST1_KEY } from './vectors.js';

describe('nix32', () => {
  it('matches known values (byte 0 is printed last)', () => {
    const one = new Uint8Array(20);
    one[19] = 1;
    expect(nix32Encode(one)).toBe('04000000000000000000000000000000');
    expect(nix32Encode(new Uint8Array(20).fill(0xff))).toBe('zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz');
    expect(nix32Encode(Buffer.from('jICBiC/mO7q04Q0xDYPHXOR03ZM0RZWDegCgG+DWdz8=', 'base64'))).toBe(
      '0gvpsvh1p800ga1rai9ljgfp9r2wqy1hsc8dw6sblfz65y48304c',
    );
  });

  it('round-trips every size that occurs', () => {
    for (const n of [16, 20, 32, 64]) {
      for (let seed = 1; seed < 20; seed++) {
        const d = pseudoRandom(n, seed * 31 + n);
        expect(Buffer.from(nix32Decode(nix32Encode(d))).equals(Buffer.from(d))).toBe(true);
      }
    }
  });

  it('rejects bad characters, bad lengths and non-zero padding bits', () => {
    expect(() => nix32Decode('e'.repeat(52))).toThrow(expect.objectContaining({ code: 'bad-nix32' }));
    expect(() => nix32Decode('0'.repeat(51))).toThrow(expect.objectContaining({ code: 'bad-nix32' }));
    expect(() => nix32Decode('z' + '0'.repeat(51))).toThrow(expect.objectContaining({ code: 'bad-nix32' }));
  });

  it.skipIf(!havePeers('nix'))('agrees with `nix hash to-base32` on random digests', () => {
    const digests = [16, 20, 32, 64].map((n, i) => Buffer.from(pseudoRandom(n, 1000 + i)));
    const algos = ['md5', 'sha1', 'sha256', 'sha512'];
    const args = digests.map((d, i) => `${algos[i]}:${d.toString('hex')}`);
    const out = execFileSync('nix', ['hash', 'to-base32', ...args], { env: nixEnv() }).toString().trim().split('\n');
    expect(out).toEqual(digests.map((d) => nix32Encode(d)));
  });
});

describe('hashes in every form', () => {
  const hex = '8c808188 2fe63bba b4e10d31 0d83c75c e474dd93 34459583 7a00a01b e0d6773f'.replace(/ /g, '');
  it('nix32, hex, base64 and SRI give the same digest', () => {
    const forms = [
      'sha256:0gvpsvh1p800ga1rai9ljgfp9r2wqy1hsc8dw6sblfz65y48304c',
      `sha256:${hex}`,
      'sha256:jICBiC/mO7q04Q0xDYPHXOR03ZM0RZWDegCgG+DWdz8=',
      'sha256-jICBiC/mO7q04Q0xDYPHXOR03ZM0RZWDegCgG+DWdz8=',
    ];
    for (const f of forms) {
      const h = parseHash(f);
      expect(Buffer.from(h.digest).toString('hex')).toBe(hex);
      expect(formatHashNix32(h)).toBe(forms[0]);
      expect(formatHashSRI(h)).toBe(forms[3]);
    }
    expect(Buffer.from(parseHash('0gvpsvh1p800ga1rai9ljgfp9r2wqy1hsc8dw6sblfz65y48304c', 'sha256').digest).toString('hex')).toBe(hex);
  });
  it('rejects unknown algorithms and wrong lengths', () => {
    expect(() => parseHash('sha3:abc')).toThrow(expect.objectContaining({ code: 'bad-hash' }));
    expect(() => parseHash('sha256:abc')).toThrow(expect.objectContaining({ code: 'bad-hash' }));
    expect(() => parseHash('sha256-AAAA')).toThrow(expect.objectContaining({ code: 'bad-hash' }));
    expect(() => parseHash(hex)).toThrow(expect.objectContaining({ code: 'bad-hash' }));
  });
});

describe('narinfo', () => {
  it('parses every field and serializes back to the same text', () => {
    const ni = parseNarInfo(NET_TOOLS);
    expect(ni).toMatchObject({
      storePath: '/nix/store/00bgd045z0d4icpbc2yyz4gx48ak44la-net-tools-1.60_p20170221182432',
      url: 'nar/1094wph9z4nwlgvsd53abfz8i117ykiv5dwnq9nnhz846s7xqd7d.nar.xz',
      compression: 'xz',
      fileSize: 114980,
      narSize: 464152,
      references: ['7gx4kiv5m0i7d7qkixq2cwzbr10lvxwc-glibc-2.27'],
      deriver: '10dx1q4ivjb115y3h90mipaaz533nr0d-net-tools-1.60_p20170221182432.drv',
    });
    expect(ni.sigs).toHaveLength(2);
    expect(serializeNarInfo(ni)).toBe(NET_TOOLS);
    expect(serializeNarInfo(parseNarInfo(CURL_BIN))).toBe(CURL_BIN);
  });

  it('computes the published fingerprint', () => {
    expect(fingerprint(parseNarInfo(CURL_BIN))).toBe(CURL_BIN_FINGERPRINT);
  });

  it('tolerates unknown keys, keeps them, and treats a missing Compression as bzip2', () => {
    const text = NET_TOOLS.replace('Compression: xz\n', '') + 'X-Future: 1\n';
    const ni = parseNarInfo(text);
    expect(compressionOf(ni)).toBe('bzip2');
    expect(ni.extra).toEqual([['X-Future', '1']]);
    expect(serializeNarInfo(ni)).toBe(text);
  });

  it('accepts NarHash in SRI and hex form, references empty', () => {
    const sri = NET_TOOLS.replace(/NarHash: .*/, 'NarHash: sha256-jICBiC/mO7q04Q0xDYPHXOR03ZM0RZWDegCgG+DWdz8=').replace(/References: .*/, 'References: ');
    const ni = parseNarInfo(sri);
    expect(formatHashNix32(ni.narHash)).toBe('sha256:0gvpsvh1p800ga1rai9ljgfp9r2wqy1hsc8dw6sblfz65y48304c');
    expect(ni.references).toEqual([]);
  });

  it('names the problem: missing fields, bad sizes, bad store paths', () => {
    expect(() => parseNarInfo(NET_TOOLS.replace(/NarSize: .*\n/, ''), 'x.narinfo')).toThrow(/x.narinfo: missing NarSize/);
    expect(() => parseNarInfo(NET_TOOLS.replace(/NarSize: .*/, 'NarSize: -1'))).toThrow(expect.objectContaining({ code: 'bad-narinfo' }));
    expect(() => parseNarInfo(NET_TOOLS.replace('/nix/store/00bgd', '/nix/stor/00bgd'))).toThrow(expect.objectContaining({ code: 'bad-store-path' }));
    expect(() => parseNarInfo(NET_TOOLS.replace('References: 7gx4', 'References: ../x'))).toThrow(expect.objectContaining({ code: 'bad-narinfo' }));
  });

  it('store path hash part names the narinfo', () => {
    expect(storePathHashPart('/nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin')).toBe('syd87l2rxw8cbsxmxl853h0r6pdwhwjr');
    expect(() => storePathHashPart('/nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr')).toThrow();
    expect(() => storePathHashPart('/nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwj-curl')).toThrow();
  });
});

describe('signatures (real cache.nixos.org key)', () => {
  const nixos = parsePublicKey(NIXOS_KEY);
  const test1 = parsePublicKey(TEST1_KEY);

  it('published narinfos verify with the real key', () => {
    expect(verifyNarInfo(parseNarInfo(NET_TOOLS), [nixos])).toEqual(['cache.nixos.org-1']);
    expect(verifyNarInfo(parseNarInfo(CURL_BIN), [nixos])).toEqual(['cache.nixos.org-1']);
    expect(verifyNarInfo(parseNarInfo(CURL_BIN), [nixos, test1])).toEqual(['cache.nixos.org-1', 'test1']);
  });

  const tampered: Array<[string, (s: string) => string]> = [
    ['StorePath', (s) => s.replace('net-tools-1.60', 'net-tools-1.61')],
    ['NarHash', (s) => s.replace('0lxjvvpr59', '0lxjvvpr58')],
    ['NarSize', (s) => s.replace('NarSize: 464152', 'NarSize: 464153')],
    ['References', (s) => s.replace('glibc-2.27', 'glibc-2.28')],
    ['Sig', (s) => s.replace('sn5s/Rrq', 'sn5s/Rrr')],
  ];
  for (const [field, edit] of tampered) {
    it(`a tampered ${field} fails`, () => {
      expect(verifyNarInfo(parseNarInfo(edit(NET_TOOLS)), [nixos])).toEqual([]);
    });
  }

  it('fields outside the fingerprint (URL, Compression) do not break the signature', () => {
    expect(verifyNarInfo(parseNarInfo(NET_TOOLS.replace('Compression: xz', 'Compression: zstd')), [nixos])).toHaveLength(1);
  });

  it('a signature by a key with the same name but other bytes fails; unknown key names are ignored', () => {
    const impostor = parsePublicKey('cache.nixos.org-1:' + TEST1_KEY.split(':')[1]);
    expect(verifyNarInfo(parseNarInfo(NET_TOOLS), [impostor])).toEqual([]);
    expect(verifyNarInfo(parseNarInfo(NET_TOOLS), [test1])).toEqual([]);
  });

  it('the thread-pool check (verifyNarInfoAsync) agrees with verifyNarInfo on every case above', async () => {
    const impostor = parsePublicKey('cache.nixos.org-1:' + TEST1_KEY.split(':')[1]);
    const garbled = NET_TOOLS.replace(/^Sig: (.*)$/m, 'Sig: broken\nSig: $1');
    const cases: Array<[string, typeof nixos[]]> = [
      [NET_TOOLS, [nixos]],
      [CURL_BIN, [nixos, test1]],
      [CURL_BIN, [test1]],
      [NET_TOOLS, [impostor]],
      [NET_TOOLS, [test1]],
      [garbled, [nixos]],
      ...tampered.map(([, edit]): [string, typeof nixos[]] => [edit(NET_TOOLS), [nixos]]),
    ];
    for (const [text, keys] of cases) {
      const info = parseNarInfo(text);
      expect(await verifyNarInfoAsync(info, keys)).toEqual(verifyNarInfo(info, keys));
    }
    expect(await verifyNarInfoAsync(parseNarInfo(CURL_BIN), [nixos, test1])).toEqual(['cache.nixos.org-1', 'test1']);
    expect(await verifyNarInfoAsync(parseNarInfo(garbled), [nixos])).toEqual(['cache.nixos.org-1']);
  });

  it('rejects malformed keys', () => {
    expect(() => parsePublicKey('nokey')).toThrow(expect.objectContaining({ code: 'bad-key' }));
    expect(() => parsePublicKey('k:AAAA')).toThrow(expect.objectContaining({ code: 'bad-key' }));
  });
});
