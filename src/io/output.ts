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

/** Streams whose EPIPE guard is installed (once: `watch` writes every interval). */
const guarded = new WeakSet<NodeJS.WriteStream>();

/**
 * End quietly (with the exit code already decided) when the reader of `stream` goes away, for every
 * write to it, `--help` and usage text included (`dpskew --help | head -1`).
 */
export function guardPipe(stream: NodeJS.WriteStream = process.stdout): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/**
 * Write to stdout and wait until it is flushed. A reader that went away (`dpskew … | head -1`)
 * raises EPIPE: that ends the program quietly with the exit code already decided, never a stack.
 */
export function writeOutput(text: string, stream: NodeJS.WriteStream = process.stdout): Promise<void> {
  guardPipe(stream);
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => {
      if (error === null || error === undefined) resolve();
      else if ('code' in error && error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      else reject(error);
    });
  });
}
