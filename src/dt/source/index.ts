/**
 * DTS source → live tree (dtc's dt_from_source): lex, parse, merge; then guess the boot CPU
 * from /cpus the way dtc does when -b is not given.
 */
import { DeviceTree } from '../tree.js';
import { Lexer, type SourceFiles } from './lexer.js';
import { Parser } from './parser.js';

export type { SourceFiles } from './lexer.js';

export function treeFromSource(text: string, filename: string, dir: string | undefined, files?: SourceFiles): DeviceTree {
  const tree = new Parser(new Lexer(text, filename, dir, files)).parseFile();
  tree.bootCpuid = guessBootCpuid(tree);
  return tree;
}

/** dtc's guess_boot_cpuid: `reg` of the first child of /cpus, if it is one cell. */
export function guessBootCpuid(tree: DeviceTree): number {
  const cpus = tree.root.getChild('cpus');
  const first = cpus?.children[0];
  const reg = first?.getProperty('reg');
  if (!reg || reg.value.length !== 4) return 0;
  return new DataView(reg.value.buffer, reg.value.byteOffset, 4).getUint32(0);
}
