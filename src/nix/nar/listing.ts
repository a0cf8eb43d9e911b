import type { NarEvent } from './reader.js';

/** The shape of Nix's `.ls` listing: one entry per file, contents located by NAR offset. */
export interface NarListingEntry {
  type: 'regular' | 'directory' | 'symlink';
  size?: number;
  executable?: boolean;
  /** Byte offset of the file contents inside the NAR. */
  narOffset?: number;
  target?: string;
  entries?: Record<string, NarListingEntry>;
}

/** Builds a listing from reader events (paths arrive parent first, as the reader emits them). */
export class ListingBuilder {
  root: NarListingEntry | null = null;

  add(ev: NarEvent): void {
    if (ev.type === 'contents') return;
    let entry: NarListingEntry;
    if (ev.type === 'directory') entry = { type: 'directory', entries: {} };
    else if (ev.type === 'symlink') entry = { type: 'symlink', target: ev.target };
    else {
      entry = { type: 'regular', size: ev.size, narOffset: ev.offset };
      if (ev.executable) entry.executable = true;
    }
    if (ev.path === '') {
      this.root = entry;
      return;
    }
    const parts = ev.path.split('/');
    let dir = this.root!;
    for (const p of parts.slice(0, -1)) dir = dir.entries![p]!;
    dir.entries![parts[parts.length - 1]!] = entry;
  }
}

/** Look up a relative path ('' = root) in a listing, without following symlinks. */
export function listingLookup(root: NarListingEntry, path: string): NarListingEntry | undefined {
  let cur: NarListingEntry | undefined = root;
  for (const part of path.split('/').filter((p) => p !== '')) {
    if (cur?.type !== 'directory') return undefined;
    cur = cur.entries![part];
  }
  return cur;
}
