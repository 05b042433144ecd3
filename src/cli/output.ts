/** The one place that writes to the terminal, and the one place that decides about colour. */

/**
 * Colour on or off, decided once: `--color`/`--no-color` win, then a non-empty NO_COLOR
 * (https://no-color.org), FORCE_COLOR, TERM=dumb, and finally whether stdout is a terminal.
 */
export function resolveColor(flag: boolean | undefined, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (flag !== undefined) return flag;
  if ((env['NO_COLOR'] ?? '') !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env['TERM'] === 'dumb') return false;
  return isTTY;
}

/** Whether to draw the progress line on stderr: a terminal, and not `--quiet`, CI (`CI`, `GITHUB_ACTIONS`) or TERM=dumb. */
export function showProgress(quiet: boolean, stderrIsTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return !quiet && stderrIsTTY && (env['CI'] ?? '') === '' && env['GITHUB_ACTIONS'] !== 'true' && env['TERM'] !== 'dumb';
}

/** Streams whose error guard is installed (once: `watch` writes every interval). */
const guarded = new WeakSet<NodeJS.WriteStream>();

/** Exit code of an output that cannot be written: errors.ts EXIT_USAGE (an I/O error, like an unreadable input). */
const EXIT_OUTPUT_ERROR = 2;

/**
 * What a failed write to `stream` ends with. A reader that went away (EPIPE: `dpskew … | head -1`)
 * ends the program quietly with the exit code already decided. Any other error (ENOSPC on a full
 * disk, EIO) is one line on stderr and exit 2, never a stack and never 1, the code `check` and
 * `watch --alert` give findings.
 */
function endOnWriteError(error: NodeJS.ErrnoException, stream: NodeJS.WriteStream): never {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  const what = stream === process.stdout ? 'standard output' : stream === process.stderr ? 'standard error' : 'the output';
  try {
    if (stream !== process.stderr) process.stderr.write(`error: cannot write to ${what} (${describeWriteError(error)})\n`);
  } catch {
    // stderr is broken too: the exit code is all that is left to tell
  }
  process.exit(EXIT_OUTPUT_ERROR);
}

/** `ENOSPC: no space left on device`: Node's own words for the error, without the system call. */
function describeWriteError(error: NodeJS.ErrnoException): string {
  return error.message.replace(/, write$/, '');
}

/**
 * End quietly (with the exit code already decided) when the reader of `stream` goes away, and with
 * one line and exit 2 when it cannot be written (`endOnWriteError`), for every write to it,
 * `--help` and usage text included (`dpskew --help | head -1`).
 */
export function guardPipe(stream: NodeJS.WriteStream = process.stdout): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => endOnWriteError(error, stream));
}

/**
 * Write to stdout and wait until it is flushed; a write that fails ends the program
 * (`endOnWriteError`). Text in chunks (a large JSON report: render/json-chunks.ts) is written a chunk at
 * a time, each once the one before is flushed, so it is never whole in memory.
 */
export async function writeOutput(text: string | Iterable<string>, stream: NodeJS.WriteStream = process.stdout): Promise<void> {
  guardPipe(stream);
  if (typeof text === 'string') return writeChunk(text, stream);
  for (const chunk of text) await writeChunk(chunk, stream);
}

function writeChunk(text: string, stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    stream.write(text, (error) => {
      if (error === null || error === undefined) resolve();
      else endOnWriteError(error, stream);
    });
  });
}
