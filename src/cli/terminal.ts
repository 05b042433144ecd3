/**
 * What the commands share at the terminal's edge: standard input, Ctrl-C, the progress line, the
 * live screen, files written beside the output, and the one-line form of input errors.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { EXIT_INTERRUPTED, UsageError } from '../model/errors.ts';
import type { Report } from '../model/report.ts';
import type { ReadProgress } from '../input/read-sources.ts';
import { sanitize } from '../render/format.ts';
import { renderProgress } from '../render/progress.ts';
import { showProgress } from './output.ts';

/** fd 0: a file at its start read as that file (stdinFile, plan.ts), other files read directly, a pipe or socket by libuv as data arrives, process.stdin only if a direct read finds it non-blocking (read-input.ts). */
export const STDIN = { fd: 0, stream: () => process.stdin };

/**
 * Ctrl-C: the first aborts `interrupt` (reading stops, and the report is marked interrupted, in
 * whatever phase), a second exits at once with 130. One listener for both: a `once` listener that
 * added the next one lost a second Ctrl-C queued behind the first during synchronous work (Node
 * closes a signal's handle when its last listener goes, and the signal still queued on it).
 */
export function onCtrlC(interrupt: AbortController): void {
  process.on('SIGINT', () => {
    if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
    interrupt.abort();
  });
}

/** The report marked `interrupted` once Ctrl-C was pressed, whatever the phase (after reading, its numbers are whole). */
export function markInterrupted(report: Report, signal: AbortSignal): Report {
  return signal.aborted && !report.interrupted ? { ...report, interrupted: true } : report;
}

/**
 * Returns once signals that arrived during synchronous work have been dispatched to their
 * listeners. A signal is read in the event loop's poll phase: the first turn may end in the check
 * phase without one (synchronous work running from a poll callback), the second passes through it.
 * Without this, a Ctrl-C pressed during the analysis was never seen: the process ended first.
 */
export async function signalsSeen(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** Redraws at most this often. */
const PROGRESS_INTERVAL_MS = 250;
/** Runs shorter than this never show a progress line. */
const PROGRESS_DELAY_MS = 1000;

/**
 * The progress line on stderr (bytes read, rate, percent when the size is known), for long runs on
 * a terminal only: never in a pipe, under CI (CI or GITHUB_ACTIONS set), with TERM=dumb or --quiet.
 */
export function createProgressLine(quiet: boolean, stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): { update: (p: ReadProgress) => void; clear: () => void } | null {
  if (!showProgress(quiet, stream.isTTY === true, env)) return null;
  const started = Date.now();
  let drawnAt = 0;
  let drawn = false;
  return {
    update: (p) => {
      const now = Date.now();
      if (now - started < PROGRESS_DELAY_MS || now - drawnAt < PROGRESS_INTERVAL_MS) return;
      drawnAt = now;
      drawn = true;
      stream.write(`\r\u001b[2K${renderProgress(p, now - started)}`);
    },
    clear: () => {
      if (drawn) stream.write('\r\u001b[2K');
    },
  };
}

const ALT_SCREEN_ON = '\u001b[?1049h\u001b[?25l';
const ALT_SCREEN_OFF = '\u001b[?25h\u001b[?1049l';
export const HOME_AND_CLEAR = '\u001b[H\u001b[2J';

/** Signals that end a live watch with its terminal restored (SIGINT prints the final report: commands/watch.ts). */
const LEAVE_SIGNALS = ['SIGTERM', 'SIGHUP'] as const;

/**
 * The live screen's terminal state: the alternate screen with the cursor hidden, entered at the
 * first snapshot (an error before it, such as a path that does not exist, shows on the normal
 * screen) and left on every way out: the end of the watch, `exit`, and SIGTERM or SIGHUP, which
 * would otherwise kill the process and leave the terminal that way; those exit 128 + the signal's
 * number (143, 129), as a process killed by them would.
 */
export function createLiveScreen(): { enter(): void; leave(): void } {
  let on = false;
  const restore = (): void => {
    if (!on) return;
    on = false;
    process.stdout.write(ALT_SCREEN_OFF); // synchronous on a terminal: done before an exit that follows
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    restore();
    process.exit(128 + (osConstants.signals[signal] ?? 0));
  };
  const detach = (): void => {
    process.removeListener('exit', restore);
    for (const signal of LEAVE_SIGNALS) process.removeListener(signal, onSignal);
  };
  return {
    enter: () => {
      if (on) return;
      on = true;
      process.stdout.write(ALT_SCREEN_ON);
      process.once('exit', restore);
      for (const signal of LEAVE_SIGNALS) process.once(signal, onSignal);
    },
    leave: () => {
      detach();
      restore();
    },
  };
}

/**
 * An `error:` or `note:` line about an input for stderr. Paths, and problems found in a summary or a
 * saved report, quote what files hold: control characters and bidi marks are shown escaped.
 */
export function inputLine(kind: 'error' | 'note', { path, message }: { readonly path: string; readonly message: string }): string {
  return `${kind}: ${sanitize(path)}: ${sanitize(message)}\n`;
}

export function writeFile(path: string, text: string, flag: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new UsageError(`${flag} ${path}: cannot write it (${error instanceof Error ? error.message : String(error)})`);
  }
}

export function appendFile(path: string, text: string): void {
  try {
    appendFileSync(path, text);
  } catch (error) {
    throw new UsageError(`GITHUB_STEP_SUMMARY ${path}: cannot append to it (${error instanceof Error ? error.message : String(error)})`);
  }
}

export function readPatternFile(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split(/\r?\n/);
  } catch (error) {
    throw new UsageError(`--pattern-file ${path}: ${error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'no such file' : String(error)}`);
  }
}

/**
 * The width to render for: the terminal's, else `COLUMNS` (set by shells and by users who pipe
 * into less or a file and want a width), else 80.
 */
export function outputWidth(stream: { readonly columns?: number }, env: NodeJS.ProcessEnv): number {
  if (stream.columns !== undefined && stream.columns > 0) return stream.columns;
  const columns = Number(env['COLUMNS']);
  return Number.isInteger(columns) && columns >= 20 && columns <= 1000 ? columns : 80;
}
