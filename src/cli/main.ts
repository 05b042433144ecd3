#!/usr/bin/env node
/**
 * The thin edge: argv → the command (cli/program.ts, from the flag table) → its module in
 * cli/commands/. Only cli/ reads process.argv and env, writes to the console or sets the exit code.
 */
import { CommanderError } from 'commander';
import { EXIT_OK, EXIT_USAGE, InputError, isKnownError, UsageError } from '../model/errors.ts';
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
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander exits 1 on usage errors; our contract says 2 (help and version exit 0).
      process.exitCode = error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    } else if (isKnownError(error)) {
      process.stderr.write(error instanceof InputError ? inputLine('error', error) : `error: ${error.message}\n`);
      if (error instanceof UsageError) process.stderr.write('(run with --help for usage)\n');
      process.exitCode = EXIT_USAGE;
    } else {
      throw error;
    }
  }
}
