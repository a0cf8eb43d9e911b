/**
 * The rootfs tree model shared by the rootfs builder and the squashfs writer.
 * Entries are virtual: file contents point at bytes in memory, a host file, or a slice
 * of a verified NAR in the local store cache, and are read only when an image is written.
 */

/** Where a regular file's bytes come from. `size` is always known up front. */
export type ContentSource =
  | { kind: 'bytes'; data: Uint8Array }
  /**
   * `path` is a byte string (src/util/byte-string.ts). `diskBytes`: what the host file system
   * allocates for it (st_blocks × 512), when known; under `size` the file has holes.
   */
  | { kind: 'host-file'; path: string; size: number; diskBytes?: number }
  /**
   * `offset` is the byte offset of the contents inside the NAR file at `narPath`. `narHash`
   * (when known) names the NAR's bytes, so (narHash, offset, size) names the contents without
   * reading them: the squashfs block cache keys on it.
   */
  | { kind: 'nar-slice'; narPath: string; offset: number; size: number; narHash?: string };

export interface EntryMeta {
  /** Permission bits including setuid/setgid/sticky (mask 0o7777); the type is in `type`. */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Extended attributes (full names, e.g. security.capability), in the order to store them. */
  xattrs?: ReadonlyArray<readonly [name: string, value: Uint8Array]>;
}

/** Names (the children's keys), symlink targets and xattr names are byte strings (src/util/byte-string.ts). */
export type TreeNode =
  | (EntryMeta & { type: 'dir'; children: Map<string, TreeNode> })
  | (EntryMeta & { type: 'file'; content: ContentSource })
  | (EntryMeta & { type: 'symlink'; target: string })
  | (EntryMeta & { type: 'char' | 'block'; major: number; minor: number })
  | (EntryMeta & { type: 'fifo' | 'socket' });

export type DirNode = Extract<TreeNode, { type: 'dir' }>;

export function contentSize(src: ContentSource): number {
  return src.kind === 'bytes' ? src.data.length : src.size;
}
