/**
 * The classic pipeline the kernel uses, behind the same shape as src/dt: `cpp -nostdinc -I..
 * -undef -D__DTS__ -x assembler-with-cpp` piped into `dtc -O dtb`. For differential tests
 * and benchmarks. Runs the tools with execFile (no shell).
 */
import { execFile, spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NativeCompileOptions {
  includeDirs?: string[];
  defines?: string[];
  bootCpuid?: number;
  /** skip cpp and feed the file to dtc directly */
  cpp?: boolean;
  /** dtc -@ (__symbols__) */
  symbols?: boolean;
}

function toolError(tool: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException & { stderr?: string };
  if (e.code === 'ENOENT') return new Error(`${tool} not found: install the Debian package ${tool === 'cpp' ? 'cpp' : 'device-tree-compiler'}`);
  return new Error(`${tool} failed: ${(e.stderr ?? e.message).toString().trim()}`);
}

/** Feed `input` to a command's stdin and collect stdout as bytes. */
function pipe(cmd: string, args: string[], input: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', (e) => reject(toolError(cmd, e)));
    p.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(toolError(cmd, Object.assign(new Error(`exit ${code}`), { stderr: Buffer.concat(err).toString() })));
    });
    p.stdin.end(input);
  });
}

/** cpp + dtc on a .dts file; returns the DTB bytes. */
export async function nativeCompileDtsFile(path: string, opts: NativeCompileOptions = {}): Promise<Uint8Array> {
  const inc = opts.includeDirs ?? [];
  const dtcArgs = ['-q', '-O', 'dtb', '-i', dirname(path), ...inc.flatMap((d) => ['-i', d])];
  if (opts.bootCpuid !== undefined) dtcArgs.push('-b', String(opts.bootCpuid));
  if (opts.symbols) dtcArgs.push('-@');
  if (opts.cpp === false) {
    try {
      return (await run('dtc', [...dtcArgs, path], { encoding: 'buffer', maxBuffer: 1 << 28 })).stdout;
    } catch (e) {
      throw toolError('dtc', e);
    }
  }
  const cppArgs = ['-nostdinc', '-I', dirname(path), ...inc.flatMap((d) => ['-I', d]), '-undef', '-D__DTS__', '-x', 'assembler-with-cpp'];
  for (const d of opts.defines ?? []) cppArgs.push(`-D${d}`);
  let pre: Buffer;
  try {
    pre = (await run('cpp', [...cppArgs, path], { encoding: 'buffer', maxBuffer: 1 << 28 })).stdout;
  } catch (e) {
    throw toolError('cpp', e);
  }
  return pipe('dtc', [...dtcArgs, '-'], pre);
}

/** dtc -I dtb -O dts */
export async function nativeDecompileDtb(dtb: Uint8Array): Promise<string> {
  return (await pipe('dtc', ['-q', '-I', 'dtb', '-O', 'dts', '-'], dtb)).toString('latin1');
}
