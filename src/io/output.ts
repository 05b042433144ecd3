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

/**
 * Write to stdout and wait until it is flushed. A reader that went away (`dpskew … | head -1`)
 * raises EPIPE: that ends the program quietly with the exit code already decided, never a stack.
 */
export function writeOutput(text: string, stream: NodeJS.WriteStream = process.stdout): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EPIPE') {
        process.exit(process.exitCode ?? 0);
      }
      reject(error);
    };
    stream.on('error', onError);
    stream.write(text, (error) => {
      if (error === null || error === undefined) resolve();
      else onError(error);
    });
  });
}
