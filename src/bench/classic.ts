/**
 * The classic tools doing what NixWRT's derivations do, on the inputs of one of our builds:
 * the rootfs tree (unsquashfs of our image, not timed) through `mksquashfs -comp <comp>`; the
 * vmlinux through `objcopy -O binary`, `lzma_alone` and `mkimage`; `dd` of kernel and rootfs
 * into one image. Each step is timed. Used by `nixwrt bench` and bench/pipeline.
 */
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Device } from '../image/device.js';
import { readElf } from '../kernel/elf/index.js';

const run = promisify(execFile);

export interface ClassicInputs {
  /** Scratch directory (must exist and be empty of these names). */
  work: string;
  /** A squashfs image of the rootfs (ours): its tree is the input of mksquashfs. */
  rootfsImage: string;
  vmlinux: string;
  device: Device;
  /** mksquashfs -comp value, or 'none' (-noI -noD -noF -noX). */
  comp: 'xz' | 'gzip' | 'zstd' | 'none';
}

export interface StepTiming {
  label: string;
  ms: number;
}

export interface ClassicResult {
  steps: StepTiming[];
  totalMs: number;
  rootfsBytes: number;
  firmwareBytes: number;
}

/** The commands the classic script runs for `device` (for havePeers and error messages). */
export function classicTools(device: Device): string[] {
  return ['unsquashfs', 'mksquashfs', objcopyOf(device), 'lzma_alone', 'mkimage', 'dd'];
}

function objcopyOf(device: Device): string {
  return `${device.arch}-linux-gnu-objcopy`;
}

export async function runClassic(i: ClassicInputs): Promise<ClassicResult> {
  const w = (f: string) => join(i.work, f);
  const tree = w('tree');
  await run('unsquashfs', ['-no-xattrs', '-d', tree, i.rootfsImage]);
  const hex = (n: number) => `0x${n.toString(16)}`;
  const entry =
    i.device.entryAddress === 'elf' ? Number(readElf(await readFile(i.vmlinux)).header.entry & 0xffffffffn) : i.device.entryAddress;
  const steps: StepTiming[] = [];
  const timed = async (label: string, fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    steps.push({ label, ms: performance.now() - t });
  };
  await timed(`mksquashfs -comp ${i.comp}`, () =>
    run('mksquashfs', [tree, w('classic.sqfs'), ...(i.comp === 'none' ? ['-noI', '-noD', '-noF', '-noX'] : ['-comp', i.comp]), '-all-root', '-noappend', '-quiet', '-mkfs-time', '0', '-all-time', '0']),
  );
  await timed('objcopy + lzma_alone + mkimage', async () => {
    await run(objcopyOf(i.device), ['-O', 'binary', '-R', '.reginfo', '-R', '.notes', '-R', '.note', '-R', '.comment', '-R', '.mdebug', '-R', '.note.gnu.build-id', '-S', i.vmlinux, w('vmlinux.bin')]);
    await run('lzma_alone', ['e', w('vmlinux.bin'), w('vmlinux.lzma'), '-lc1', '-lp2', '-pb2', '-d23']);
    await run('mkimage', ['-A', 'mips', '-O', 'linux', '-T', 'kernel', '-C', 'lzma', '-a', hex(i.device.loadAddress), '-e', hex(entry), '-n', 'nixwrt', '-d', w('vmlinux.lzma'), w('kernel.uImage')]);
  });
  await timed('dd (kernel + rootfs into one image)', async () => {
    await run('dd', [`if=${w('kernel.uImage')}`, `of=${w('firmware.bin')}`, 'bs=64k', 'conv=sync', 'status=none']);
    await run('dd', [`if=${w('classic.sqfs')}`, `of=${w('firmware.bin')}`, 'bs=64k', 'oflag=append', 'conv=notrunc', 'status=none']);
  });
  return {
    steps,
    totalMs: steps.reduce((a, s) => a + s.ms, 0),
    rootfsBytes: (await stat(w('classic.sqfs'))).size,
    firmwareBytes: (await stat(w('firmware.bin'))).size,
  };
}
