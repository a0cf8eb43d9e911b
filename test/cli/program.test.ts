import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { commandModules } from '../../src/cli/commands.js';

describe('CLI program', () => {
  it('registers every command module under its own name for help', async () => {
    const program = await buildProgram();
    expect(program.commands.map((c) => c.name()).sort()).toEqual(Object.keys(commandModules).sort());
  });

  it('loads only the command being run', async () => {
    const program = await buildProgram('lzma');
    expect(program.commands.map((c) => c.name())).toEqual(['lzma']);
  });

  it('prints the package version for --version and -V without loading any command', async () => {
    const { spawnSync } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const root = join(import.meta.dirname, '..', '..');
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      expect((await buildProgram(flag)).commands).toHaveLength(0);
      const r = spawnSync(process.execPath, [join(root, 'bin', 'nixwrt.js'), flag], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it('falls back to every command for an unknown name, so commander can report it', async () => {
    const program = await buildProgram('no-such-command');
    expect(program.commands.length).toBe(Object.keys(commandModules).length);
  });
});
