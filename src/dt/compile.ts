/**
 * The dtc pipeline, one named stage per call: preprocess (cpp) → treeFromSource (parse and
 * merge) → checkTree → applyFixups (with __symbols__, __fixups__, __local_fixups__) → writeDtb.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { checkTree } from './checks.js';
import { writeDtb } from './fdt/writer.js';
import { applyFixups } from './fixups.js';
import { preprocess, type Defines, type PreprocessCache } from './preprocess/index.js';
import { treeFromSource, type SourceFiles } from './source/index.js';
import type { DeviceTree } from './tree.js';

export interface CompileOptions {
  /** Search path for #include <...> / "..." and for /include/ and /incbin/ (dtc -i, cpp -I). */
  includeDirs?: string[];
  /** Macros for the preprocessor (cpp -D): NAME → value, or "NAME[=VALUE]" strings. */
  defines?: Defines;
  /** Overrides the boot CPU id guessed from /cpus (dtc -b). */
  bootCpuid?: number;
  /** Run the C preprocessor first (default true, as the kernel's build does). */
  cpp?: boolean;
  /** Read a file as latin-1 text, or undefined when missing; defaults to the file system. */
  readFile?: (path: string) => string | undefined;
  /** dtc -@: add a /__symbols__ node (label → path) so overlays can refer to this tree's labels. */
  symbols?: boolean;
  /** Cache of lexed headers, shared between compiles of many files (bench, corpus tests). */
  cache?: PreprocessCache;
}

export interface CompileResult {
  tree: DeviceTree;
  dtb: Uint8Array;
}

function fsRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** dtc's srcfile_relative_open: relative to the including file's directory, then -i dirs. */
function dtcFiles(includeDirs: string[], readFile: CompileOptions['readFile']): SourceFiles {
  const read = readFile ?? fsRead;
  const exists = readFile ? (p: string) => readFile(p) !== undefined : isFile;
  return {
    resolve(name, fromDir) {
      if (isAbsolute(name)) return exists(name) ? name : undefined;
      const first = fromDir ? join(fromDir, name) : name;
      if (exists(first)) return first;
      for (const d of includeDirs) {
        const p = join(d, name);
        if (exists(p)) return p;
      }
      return undefined;
    },
    read(path) {
      return read(path) ?? '';
    },
  };
}

/** Compile DTS text (named `filename` in messages) to a fixed-up tree and its DTB. */
export function compileSync(text: string, filename: string, opts: CompileOptions = {}): CompileResult {
  const includeDirs = opts.includeDirs ?? [];
  const dir = dirname(filename);
  const source =
    opts.cpp === false
      ? text
      : preprocess(text, filename, {
          includeDirs,
          defines: opts.defines ?? {},
          readFile: opts.readFile ?? fsRead,
          cache: opts.cache,
        });
  const tree = treeFromSource(source, filename, dir, dtcFiles(includeDirs, opts.readFile));
  checkTree(tree);
  applyFixups(tree, { symbols: opts.symbols === true });
  if (opts.bootCpuid !== undefined) tree.bootCpuid = opts.bootCpuid;
  return { tree, dtb: writeDtb(tree) };
}
