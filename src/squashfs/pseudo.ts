/**
 * The subset of mksquashfs pseudo-file definitions (`-pf FILE`) this writer supports:
 *   PATH d MODE UID GID                directory (created or changed)
 *   PATH m MODE UID GID                change an existing entry's mode and owner
 *   PATH b|c MODE UID GID MAJOR MINOR  block / character device
 *   PATH s MODE UID GID TARGET         symbolic link
 *   PATH i MODE UID GID s|f            socket / fifo
 * MODE is octal; UID and GID are numbers. Lines starting with # and blank lines are ignored.
 * PATH may be quoted with "..." and may use backslash escapes.
 */
import type { DirNode, TreeNode } from '../rootfs/tree.js';
import { SquashfsError } from './errors.js';

function tokens(line: string, where: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let tok = '';
    let quoted = false;
    while (i < line.length && (quoted || !/\s/.test(line[i]!))) {
      const ch = line[i]!;
      if (ch === '"') quoted = !quoted;
      else if (ch === '\\' && i + 1 < line.length) tok += line[++i];
      else tok += ch;
      i++;
    }
    if (quoted) throw new SquashfsError('bad-pseudo', `${where}: unterminated quote`);
    out.push(tok);
  }
  return out;
}

function num(s: string | undefined, radix: number, what: string, where: string): number {
  const n = s !== undefined && /^[0-9]+$/.test(s) ? parseInt(s, radix) : NaN;
  if (!Number.isSafeInteger(n) || (radix === 8 && /[89]/.test(s!))) throw new SquashfsError('bad-pseudo', `${where}: bad ${what} ${JSON.stringify(s)}`);
  return n;
}

/** Apply pseudo definitions to `root` in place. `mtime` is given to new entries. */
export function applyPseudo(root: DirNode, text: string, opts: { mtime: number; file?: string }): void {
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const where = `${opts.file ?? 'pseudo'}:${i + 1}`;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const t = tokens(line, where);
    const [path, kind, modeS, uidS, gidS, ...rest] = t;
    if (!path || !kind || !modeS || !uidS || !gidS) throw new SquashfsError('bad-pseudo', `${where}: expected PATH TYPE MODE UID GID ...`);
    const meta = { mode: num(modeS, 8, 'mode', where) & 0o7777, uid: num(uidS, 10, 'uid', where), gid: num(gidS, 10, 'gid', where), mtime: opts.mtime };
    const parts = path.split('/').filter((p) => p !== '');
    if (parts.length === 0) {
      if (kind !== 'd' && kind !== 'm') throw new SquashfsError('bad-pseudo', `${where}: the root can only be changed with d or m`);
      Object.assign(root, { mode: meta.mode, uid: meta.uid, gid: meta.gid });
      return;
    }
    let dir: DirNode = root;
    for (const p of parts.slice(0, -1)) {
      const next = dir.children.get(p);
      if (!next || next.type !== 'dir') throw new SquashfsError('bad-pseudo', `${where}: ${path}: parent directory ${p} does not exist`);
      dir = next;
    }
    const name = parts[parts.length - 1]!;
    const existing = dir.children.get(name);
    let node: TreeNode;
    switch (kind) {
      case 'm':
        if (!existing) throw new SquashfsError('bad-pseudo', `${where}: ${path} does not exist`);
        Object.assign(existing, { mode: meta.mode, uid: meta.uid, gid: meta.gid });
        return;
      case 'd':
        if (existing?.type === 'dir') {
          Object.assign(existing, { mode: meta.mode, uid: meta.uid, gid: meta.gid });
          return;
        }
        node = { ...meta, type: 'dir', children: new Map() };
        break;
      case 'b':
      case 'c':
        node = { ...meta, type: kind === 'b' ? 'block' : 'char', major: num(rest[0], 10, 'major', where), minor: num(rest[1], 10, 'minor', where) };
        break;
      case 's':
        if (rest.length === 0) throw new SquashfsError('bad-pseudo', `${where}: symlink without a target`);
        node = { ...meta, type: 'symlink', target: rest.join(' ') };
        break;
      case 'i':
        if (rest[0] !== 's' && rest[0] !== 'f') throw new SquashfsError('bad-pseudo', `${where}: i needs s (socket) or f (fifo)`);
        node = { ...meta, type: rest[0] === 's' ? 'socket' : 'fifo' };
        break;
      default:
        throw new SquashfsError('bad-pseudo', `${where}: unsupported pseudo type ${JSON.stringify(kind)} (have d m b c s i)`);
    }
    dir.children.set(name, node);
  });
}
