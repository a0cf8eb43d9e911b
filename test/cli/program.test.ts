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

  it('falls back to every command for an unknown name, so commander can report it', async () => {
    const program = await buildProgram('no-such-command');
    expect(program.commands.length).toBe(Object.keys(commandModules).length);
  });
});
