/** Exit codes: the CLI's documented contract (docs/usage.md "Exit codes", `--help`). */
export const EXIT_OK = 0;
/** `check`: a fail-level finding (or warn-level with --strict) */
export const EXIT_FINDINGS = 1;
/** bad flags or arguments, unreadable input, corrupt gzip */
export const EXIT_USAGE = 2;
/** `check`: nothing to judge (no batch lines, or not enough to support a verdict) */
export const EXIT_NO_DATA = 3;
/** Ctrl-C: the partial report was printed (128 + SIGINT) */
export const EXIT_INTERRUPTED = 130;

/** A mistake in how dpskew was called; the message names the flag and says what to do. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An input that could not be read; `path` is the file (or `-`). */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}

export function isKnownError(error: unknown): error is UsageError | InputError {
  return error instanceof UsageError || error instanceof InputError;
}
