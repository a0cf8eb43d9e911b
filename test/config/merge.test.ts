import { describe, expect, it } from 'vitest';
import { mergeValues, stripOverrides } from '../../src/config/merge.js';
import { override } from '../../src/config/types.js';

const merge = (a: unknown, b: unknown) => mergeValues(mergeValues(undefined, a, 'A', new Map()), b, 'B', new Map());

function mergeAB(a: unknown, b: unknown) {
  const owners = new Map<string, string>();
  return stripOverrides(mergeValues(mergeValues({}, a, 'module A', owners), b, 'module B', owners));
}

describe('merge rules', () => {
  it('concatenates lists and removes duplicates, first occurrence kept', () => {
    expect(mergeAB({ l: ['x', 'y'] }, { l: ['y', 'z', 'x'] })).toEqual({ l: ['x', 'y', 'z'] });
    expect(mergeAB({ l: [{ a: 1 }] }, { l: [{ a: 1 }, { a: 2 }] })).toEqual({ l: [{ a: 1 }, { a: 2 }] });
  });
  it('merges records recursively', () => {
    expect(mergeAB({ r: { a: { x: 1 } } }, { r: { a: { y: 2 }, b: 3 } })).toEqual({ r: { a: { x: 1, y: 2 }, b: 3 } });
  });
  it('accepts equal scalars', () => {
    expect(mergeAB({ s: 'same', b: new Uint8Array([1]) }, { s: 'same', b: new Uint8Array([1]) })).toEqual({ s: 'same', b: new Uint8Array([1]) });
  });
  it('rejects conflicting scalars naming the path and both contributors', () => {
    expect(() => mergeAB({ files: { '/etc/x': { mode: 0o644 } } }, { files: { '/etc/x': { mode: 0o600 } } })).toThrow(
      '.files["/etc/x"].mode: conflicting values 420 (from module A) and 384 (from module B); wrap the one that should win in override(...)',
    );
    try {
      mergeAB({ p: 1 }, { p: 2 });
    } catch (e) {
      expect((e as { code: string }).code).toBe('merge-conflict');
    }
  });
  it('lets an override win from either side, and over later plain values', () => {
    expect(mergeAB({ p: 1 }, { p: override(2) })).toEqual({ p: 2 });
    expect(mergeAB({ p: override(1) }, { p: 2 })).toEqual({ p: 1 });
    const owners = new Map<string, string>();
    let v = mergeValues({}, { p: 1 }, 'A', owners);
    v = mergeValues(v, { p: override(2) }, 'B', owners);
    v = mergeValues(v, { p: 3 }, 'C', owners);
    expect(stripOverrides(v)).toEqual({ p: 2 });
  });
  it('an override replaces a whole list', () => {
    expect(mergeAB({ l: ['a', 'b'] }, { l: override(['c']) })).toEqual({ l: ['c'] });
  });
  it('two different overrides conflict; equal ones do not', () => {
    expect(() => mergeAB({ p: override(1) }, { p: override(2) })).toThrow(/both are override\(\)/);
    expect(mergeAB({ p: override(1) }, { p: override(1) })).toEqual({ p: 1 });
  });
  it('rejects a list against a scalar with a type-mismatch code', () => {
    expect(() => merge({ p: ['a'] }, { p: 'a' })).toThrow(expect.objectContaining({ code: 'merge-type-mismatch' }));
  });
});
