/**
 * What each output file held when a build last wrote or checked it, tied to the file's stat
 * (inode, size, mtime, ctime), kept in `.nixwrt-outputs.json` beside the outputs. A rebuild
 * then skips an unchanged output without reading it back (or producing it: the emulator's
 * 7 MB vmlinux is not even read from the NAR), as make trusts mtimes; ctime changes on any
 * write or chmod, so an output edited in place is noticed. Without the file, or when a stat
 * differs, writeFileIfChanged compares bytes as before. The file is a hint: a damaged one is
 * ignored. As git does with racily clean index entries, a record taken within RACY_MS of the
 * file's last change is not trusted (file times tick coarsely, so an edit right after our
 * write could keep the same stat): such a file is compared by content once more.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import { writeFileAtomic, writeFileIfChanged } from '../util/atomic-write.js';
import type { BlobInfo } from './manifest.js';

export const OUTPUT_STATE_FILE = '.nixwrt-outputs.json';

interface Seen {
  sha256: string;
  size: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  /** When the stat was taken (Date.now()). */
  checkedAt: number;
}

const RACY_MS = 50;

type StatKey = Omit<Seen, 'sha256' | 'checkedAt'>;

const statKey = (s: Stats): StatKey => ({ size: s.size, ino: s.ino, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs });

export class OutputState {
  private dirty = false;

  private constructor(
    readonly outDir: string,
    private readonly seen: Map<string, Seen>,
  ) {}

  static async load(outDir: string): Promise<OutputState> {
    const seen = new Map<string, Seen>();
    try {
      const doc = JSON.parse(await readFile(join(outDir, OUTPUT_STATE_FILE), 'utf8')) as { version?: number; files?: Record<string, Seen> };
      if (doc.version === 1 && doc.files && typeof doc.files === 'object') {
        for (const [rel, s] of Object.entries(doc.files)) {
          if (typeof s?.sha256 === 'string' && [s.size, s.ino, s.mtimeMs, s.ctimeMs, s.checkedAt].every(Number.isFinite)) seen.set(rel, s);
        }
      }
    } catch {
      // Missing or damaged: every output is compared byte by byte this time.
    }
    return new OutputState(outDir, seen);
  }

  /**
   * Make `rel` (under the output directory) hold the bytes described by `info`; `bytes` is
   * called only when the file may differ. Returns whether the file was written.
   */
  async write(rel: string, info: BlobInfo, bytes: Uint8Array | (() => Promise<Uint8Array>), opts: { mode?: number } = {}): Promise<boolean> {
    const path = join(this.outDir, rel);
    const before = this.seen.get(rel);
    // The file is as recorded (same stat, record not racy): its hash is known without reading it.
    let known = false;
    if (before && before.checkedAt - Math.max(before.ctimeMs, before.mtimeMs) > RACY_MS) {
      const now = await stat(path).catch(() => undefined);
      known = !!now?.isFile() && (opts.mode === undefined || (now.mode & 0o777) === opts.mode) && sameStat(before, statKey(now));
      if (known && before.sha256 === info.sha256 && before.size === info.size) return false;
    }
    const data = typeof bytes === 'function' ? await bytes() : bytes;
    // Not fsynced, as mksquashfs, mkimage and dd leave theirs: temp + rename keeps a crashed
    // build from leaving half a file, and the manifest has every output's SHA-256. A file known
    // to hold other bytes is replaced without reading it back first.
    const writeOpts = { ...opts, durable: false };
    const wrote = known ? (await writeFileAtomic(path, data, writeOpts), true) : await writeFileIfChanged(path, data, writeOpts);
    const after = await stat(path);
    this.seen.set(rel, { sha256: info.sha256, ...statKey(after), checkedAt: Date.now() });
    this.dirty = true;
    return wrote;
  }

  /** Record what was checked or written (only when something changed). */
  async save(): Promise<void> {
    if (!this.dirty) return;
    const files = Object.fromEntries([...this.seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    // Not fsynced: after a crash a short file fails to parse and is ignored.
    // The directory exists: an output was written or checked in it (that made this state dirty).
    await writeFileAtomic(join(this.outDir, OUTPUT_STATE_FILE), Buffer.from(JSON.stringify({ version: 1, files })), { durable: false, parentExists: true });
    this.dirty = false;
  }
}

function sameStat(a: StatKey, b: StatKey): boolean {
  return a.size === b.size && a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}
