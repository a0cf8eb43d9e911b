import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A small MIPS little-endian ELF linked at `address`, standing in for a vmlinux in tests,
 * and its `objcopy -O binary` image made the way arch/mips/boot/Makefile makes vmlinux.bin.
 * Needs binutils-mipsel-linux-gnu.
 */
export function tinyKernel(dir: string, address = 0x80000000): { vmlinux: Buffer; raw: Buffer } {
  writeFileSync(join(dir, 'k.s'), '.text\n.globl _start\n_start:\n nop\n j _start\n nop\n.data\n.word 0x12345678\n.fill 4000,1,7\n');
  execFileSync('mipsel-linux-gnu-as', ['-o', join(dir, 'k.o'), join(dir, 'k.s')]);
  writeFileSync(
    join(dir, 'k.ld'),
    `SECTIONS { . = 0x${address.toString(16)}; .text : { *(.text) } .data : { *(.data) } /DISCARD/ : { *(.MIPS.abiflags) *(.gnu.attributes) } }\n`,
  );
  execFileSync('mipsel-linux-gnu-ld', ['-T', join(dir, 'k.ld'), '-o', join(dir, 'vmlinux'), join(dir, 'k.o')]);
  execFileSync('mipsel-linux-gnu-objcopy', [
    '-O', 'binary', '-R', '.reginfo', '-R', '.notes', '-R', '.note', '-R', '.comment', '-R', '.mdebug', '-R', '.note.gnu.build-id',
    join(dir, 'vmlinux'), join(dir, 'raw'),
  ]);
  return { vmlinux: readFileSync(join(dir, 'vmlinux')), raw: readFileSync(join(dir, 'raw')) };
}
