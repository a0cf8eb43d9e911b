/**
 * Device trees: DTS source (with the C preprocessor the kernel uses) → live tree → DTB
 * (byte-identical to dtc 1.6.1), DTB → tree → DTS text, and an edit/build API.
 *
 *   const { tree, dtb } = await compileDtsFile('board.dts', { includeDirs: ['include'] });
 *   tree.setProperty('/chosen', 'bootargs', 'console=ttyS0');
 *   const bytes = toDtb(tree);
 *
 * Building from scratch (e.g. a FIT image): `const t = DeviceTree.create();
 * t.addNode('/images/kernel'); t.setProperty('/images/kernel', 'load', [0x80000000]);`
 * values are a string, a string list, 32-bit cells, or raw bytes.
 */
import { readFile } from 'node:fs/promises';
import { compileSync, type CompileOptions, type CompileResult } from './compile.js';
import { decompileTree } from './decompile.js';
import { readDtb } from './fdt/reader.js';
import { writeDtb, type DtbOptions } from './fdt/writer.js';
import type { DeviceTree } from './tree.js';

export { DtError, type DtErrorCode, type SrcPos } from './errors.js';
export { DeviceTree, DtNode, DtProperty, type PropertyValue, type ReserveEntry } from './tree.js';
export { createPreprocessCache, preprocess, type PreprocessCache, type Defines } from './preprocess/index.js';
export type { CompileOptions, CompileResult } from './compile.js';
export type { DtbOptions } from './fdt/writer.js';

/** The kernel's cpp command line defines __DTS__; so do we unless the caller defines it. */
function withDtsDefine(opts: CompileOptions): CompileOptions {
  const d = opts.defines ?? {};
  if (Array.isArray(d)) return d.some((x) => x.split('=')[0] === '__DTS__') ? opts : { ...opts, defines: ['__DTS__', ...d] };
  return '__DTS__' in d ? opts : { ...opts, defines: { __DTS__: '1', ...d } };
}

/** Read, preprocess and compile a .dts file. */
export async function compileDtsFile(path: string, opts: CompileOptions = {}): Promise<CompileResult> {
  const text = await readFile(path, 'latin1');
  return compileSync(text, path, withDtsDefine(opts));
}

/** Compile DTS text; `filename` names it in messages and anchors relative #include "...". */
export async function compileDtsSource(text: string, opts: CompileOptions & { filename?: string } = {}): Promise<CompileResult> {
  return compileSync(text, opts.filename ?? '<stdin>.dts', withDtsDefine(opts));
}

/** Serialize a tree (e.g. after edits) to DTB bytes. */
export function toDtb(tree: DeviceTree, opts: DtbOptions = {}): Uint8Array {
  return writeDtb(tree, opts);
}

/** Parse DTB bytes (any v16/v17 blob). */
export function parseDtb(bytes: Uint8Array): DeviceTree {
  return readDtb(bytes);
}

/** DTS text for a tree; compiling it again gives the same DTB. */
export function decompile(tree: DeviceTree): string {
  return decompileTree(tree);
}
