import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { isNixwrtError } from '../errors.js';
import { packageRoot } from '../util/package-root.js';
import { commandModules } from './commands.js';

/** Build the program; with `only`, register just that command (when it is a known one). */
export async function buildProgram(only?: string): Promise<Command> {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  const program = new Command('nixwrt')
    .description('Assemble router firmware from a Nix binary cache, without Nix')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  // --version needs no command; help and unknown words list them all.
  const names = only === '--version' || only === '-V' ? [] : only !== undefined && Object.hasOwn(commandModules, only) ? [only] : Object.keys(commandModules);
  for (const name of names) (await commandModules[name]!()).register(program);
  return program;
}

/** Run the CLI; library errors become one-line messages with their code and exit code 1. */
export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv[2]);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (isNixwrtError(err)) {
      process.stderr.write(`nixwrt: ${err.message} [${err.code}]\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
