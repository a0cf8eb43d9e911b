import { chmodSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blobInfo } from '../../src/image/manifest.js';
import { OUTPUT_STATE_FILE, OutputState } from '../../src/image/output-state.js';

const data = Buffer.from('the kernel, pretend\n'.repeat(100));
const info = blobInfo(data);

/** Writes `rel` through a fresh OutputState (as one build would) and says whether the bytes were asked for. */
async function build(out: string, rel = 'emulator/vmlinux', bytes: Uint8Array = data): Promise<{ asked: boolean; wrote: boolean }> {
  const state = await OutputState.load(out);
  let asked = false;
  const wrote = await state.write(rel, blobInfo(bytes), async () => {
    asked = true;
    return bytes;
  });
  await state.save();
  return { asked, wrote };
}

/** Ages the recorded check so the racy rule (a record taken right after a change) does not apply. */
function ageRecords(out: string): void {
  const doc = JSON.parse(readFileSync(join(out, OUTPUT_STATE_FILE), 'utf8'));
  for (const s of Object.values(doc.files) as { checkedAt: number }[]) s.checkedAt += 10_000;
  writeFileSync(join(out, OUTPUT_STATE_FILE), JSON.stringify(doc));
}

describe('output state (skip re-reading unchanged outputs)', () => {
  it('writes a new output, then skips an unchanged one without asking for its bytes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nixwrt-state-'));
    expect(await build(out)).toEqual({ asked: true, wrote: true });
    expect(readFileSync(join(out, 'emulator/vmlinux'))).toEqual(data);
    // Just written: racily clean, so the next build still compares bytes (and does not rewrite).
    expect(await build(out)).toEqual({ asked: true, wrote: false });
    ageRecords(out);
    expect(await build(out)).toEqual({ asked: false, wrote: false });
  });

  it('notices an output edited in place, even with its size and mtime put back', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nixwrt-state-'));
    await build(out);
    await build(out);
    ageRecords(out);
    const path = join(out, 'emulator/vmlinux');
    const before = statSync(path);
    const tampered = Buffer.from(data);
    tampered[5] ^= 0xff;
    writeFileSync(path, tampered);
    utimesSync(path, before.atime, before.mtime);
    expect(await build(out)).toEqual({ asked: true, wrote: true });
    expect(readFileSync(path)).toEqual(data);
  });

  it('rewrites an output whose mode changed, and a deleted one', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nixwrt-state-'));
    const state = await OutputState.load(out);
    await state.write('x.sh', info, data, { mode: 0o755 });
    await state.save();
    ageRecords(out);
    chmodSync(join(out, 'x.sh'), 0o644);
    const again = await OutputState.load(out);
    expect(await again.write('x.sh', info, data, { mode: 0o755 })).toBe(true);
    expect(statSync(join(out, 'x.sh')).mode & 0o777).toBe(0o755);
  });

  it('writes new bytes when the wanted hash differs from the recorded one', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nixwrt-state-'));
    await build(out, 'rootfs.squashfs');
    ageRecords(out);
    const other = Buffer.from(data);
    other[0] ^= 1;
    expect(await build(out, 'rootfs.squashfs', other)).toEqual({ asked: true, wrote: true });
    expect(readFileSync(join(out, 'rootfs.squashfs'))).toEqual(other);
  });

  it('ignores a damaged state file and compares bytes instead', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nixwrt-state-'));
    await build(out);
    writeFileSync(join(out, OUTPUT_STATE_FILE), '{"version":1,"files":{"emulator/vmlinux":');
    expect(await build(out)).toEqual({ asked: true, wrote: false });
    expect(JSON.parse(readFileSync(join(out, OUTPUT_STATE_FILE), 'utf8')).files['emulator/vmlinux'].sha256).toBe(info.sha256);
  });
});
