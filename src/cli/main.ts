#!/usr/bin/env node
/**
 * The thin edge: argv → the command (cli/program.ts, from the flag table) → its module in
 * cli/commands/. Only cli/ reads process.argv and env, writes to the console or sets the exit code.
 */
import { existsSync } from 'node:fs';
import { CommanderError } from 'commander';
import { closestNames } from '../model/edit-distance.ts';
import { EXIT_OK, EXIT_USAGE, InputError, isKnownError } from '../model/errors.ts';
import { prepareCollector } from '../input/collect.ts';
import { compareCommand } from './commands/compare.ts';
import { reportCommand } from './commands/report.ts';
import { watchCommand } from './commands/watch.ts';
import { guardPipe } from './output.ts';
import { buildProgram } from './program.ts';
import { inputLine } from './terminal.ts';

// gc() for the reader to free buffers handed between threads once in a while (input/collect.ts),
// looked up before any worker starts: a V8 flag changed while one boots costs it its snapshot.
prepareCollector();
guardPipe(process.stdout);
void runProgram();

/** argv → the command; exit codes for what goes wrong before or outside a command's own. */
async function runProgram(): Promise<void> {
  const program = buildProgram({
    report: (paths, flags, command) => reportCommand('report', paths, flags, command),
    check: (paths, flags, command) => reportCommand('check', paths, flags, command),
    merge: (paths, flags, command) => reportCommand('merge', paths, flags, command),
    compare: compareCommand,
    watch: watchCommand,
  });
  try {
    const unknown = unknownCommand(process.argv.slice(2), program.commands.map((c) => c.name()));
    if (unknown !== null) {
      process.stderr.write(`error: ${unknown}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander exits 1 on usage errors; our contract says 2 (help and version exit 0).
      process.exitCode = error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    } else if (isKnownError(error)) {
      process.stderr.write(error instanceof InputError ? inputLine('error', error) : `error: ${error.message}\n`);
      process.exitCode = EXIT_USAGE;
    } else {
      throw error;
    }
  }
}

/**
 * A first word that is no path and is close to a command is a mistyped command, not a log: without
 * this `dpskew chekc logs/` printed a report of logs/ and then failed on chekc. `help <word>` with
 * a word that is no command is refused the same way.
 */
function unknownCommand(args: readonly string[], commands: readonly string[]): string | null {
  const [first, second] = args;
  const word = first === 'help' ? second : first;
  if (word === undefined || word.startsWith('-') || commands.includes(word)) return null;
  if (first !== 'help' && existsSync(word)) return null;
  const near = closestNames(word, commands, 2, 1);
  if (first !== 'help' && near.length === 0) return null; // a path that does not exist: reading it says so
  return `unknown command '${word}'${near.length > 0 ? ` (did you mean '${near[0]}'?)` : ` (commands: ${commands.join(', ')})`}`;
}
