/**
 * Progress bars: drawn in place on a terminal (a fake TTY stream here), absent otherwise; a
 * `nixwrt build` whose stderr is a pipe (as here) prints no bar, with or without --json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchBar, kernelLzmaBar, progressFor, ProgressBars, type TtyLike } from '../../src/cli/progress.js';
import { slow } from '../helpers/slack.js';

function fakeTty(isTTY = true): TtyLike & { text: string } {
  const s = { isTTY, columns: 80, text: '', write: (c: string) => ((s.text += c), true) };
  return s;
}

describe('progress bars', () => {
  it("show the kernel's LZMA encode: its size and the seconds it has run, then done", async () => {
    const tty = fakeTty();
    const bars = new ProgressBars(tty, { intervalMs: 5 });
    let t = 1_000_000;
    const bar = kernelLzmaBar(bars, 'kernel', () => t);
    bar({ phase: 'start', bytes: 5_912_980 });
    await new Promise((r) => setTimeout(r, 20));
    expect(tty.text).toContain(`kernel [${'-'.repeat(30)}]   0%  LZMA of 5.9 MB, 0 s`);
    t += 12_000;
    bar({ phase: 'done', bytes: 5_912_980 });
    bars.finish();
    expect(tty.text).toContain(`kernel [${'#'.repeat(30)}] 100%  LZMA of 5.9 MB, 12 s`);
  });

  it('are not made for a stream that is not a TTY, nor with quiet (--json)', () => {
    expect(progressFor(fakeTty(false))).toBeUndefined();
    expect(progressFor({ write: () => true })).toBeUndefined();
    expect(progressFor(fakeTty(true), { quiet: true })).toBeUndefined();
    expect(progressFor(fakeTty(true))).toBeInstanceOf(ProgressBars);
  });

  it('draw one line per bar with aligned labels, notes above them, the final state on finish', async () => {
    const tty = fakeTty();
    const bars = new ProgressBars(tty, { intervalMs: 5 });
    bars.set('fetch', 0, 200, 'a');
    await new Promise((r) => setTimeout(r, 20));
    expect(tty.text).toContain(`fetch [${'-'.repeat(30)}]   0%  a`);
    bars.set('squashfs', 1, 4);
    bars.note('retrying');
    bars.set('fetch', 100, 200, 'b');
    await new Promise((r) => setTimeout(r, 20));
    const redraw = tty.text.slice(tty.text.indexOf('retrying'));
    expect(redraw).toMatch(/^retrying\n/);
    expect(redraw).toContain(`fetch    [${'#'.repeat(15)}${'-'.repeat(15)}]  50%  b`);
    expect(redraw).toContain(`squashfs [${'#'.repeat(8)}${'-'.repeat(22)}]  25%`);
    tty.text = '';
    bars.set('fetch', 200, 200, 'c');
    bars.set('squashfs', 4, 4);
    bars.finish();
    expect(tty.text).toContain(`fetch    [${'#'.repeat(30)}] 100%  c`);
    expect(tty.text).toContain(`squashfs [${'#'.repeat(30)}] 100%`);
    // Stopped: later updates draw nothing.
    tty.text = '';
    bars.set('fetch', 1, 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(tty.text).toBe('');
  });

  it('write nothing when no bar was ever set, and a note then goes straight out', () => {
    const tty = fakeTty();
    const bars = new ProgressBars(tty);
    bars.note('retrying');
    bars.finish();
    expect(tty.text).toBe('retrying\n');
  });

  it('fetchBar counts NAR bytes of the paths to download, and shows nothing when all were cached', () => {
    const tty = fakeTty();
    const bars = new ProgressBars(tty);
    const on = fetchBar(bars);
    on({ type: 'cached', storePath: '/nix/store/a', narSize: 5 });
    expect(tty.text).toBe('');
    on({ type: 'found', storePath: '/nix/store/b', url: 'u', narSize: 2_000_000 });
    on({ type: 'bytes', storePath: '/nix/store/b', fileBytes: 1, narBytes: 500_000 });
    bars.finish();
    expect(tty.text).toContain(' 25%  0.5 MB/2.0 MB (NAR), 1/1 paths, 1 cached');
  });

  it('a build with stderr on a pipe prints no progress (quiet without a TTY)', () => {
    const root = join(import.meta.dirname, '..', '..');
    const work = mkdtempSync(join(tmpdir(), 'nixwrt-progress-'));
    const r = spawnSync(process.execPath, [join(root, 'bin/nixwrt.js'), 'build', join(root, 'examples', 'emu.ts'), '--out', join(work, 'out'), '--cache-dir', join(work, 'cache')], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('built qemu-malta');
  }, slow(300_000));
});
