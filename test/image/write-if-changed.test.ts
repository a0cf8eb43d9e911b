import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileIfChanged } from '../../src/util/atomic-write.js';

describe('writeFileIfChanged', () => {
  it('leaves a file that already holds the bytes alone, replaces one that differs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixwrt-wic-'));
    const f = join(dir, 'out.bin');
    expect(await writeFileIfChanged(f, Buffer.from('one'))).toBe(true);
    const ino = statSync(f).ino;
    expect(await writeFileIfChanged(f, Buffer.from('one'))).toBe(false);
    expect(statSync(f).ino).toBe(ino); // not replaced
    expect(await writeFileIfChanged(f, Buffer.from('two'))).toBe(true);
    expect(readFileSync(f, 'utf8')).toBe('two');
    writeFileSync(f, 'twx'); // same size, other bytes
    expect(await writeFileIfChanged(f, Buffer.from('two'))).toBe(true);
    expect(readFileSync(f, 'utf8')).toBe('two');
  });
});
