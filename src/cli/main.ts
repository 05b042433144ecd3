#!/usr/bin/env node
/**
 * The thin edge: argv → Options → run() → renderer → stdout → process.exitCode.
 * The only file that reads process.argv/env, writes to the console or sets the exit code.
 */
import { appendFileSync, closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { extname } from 'node:path';
import { isatty } from 'node:tty';
import { Chalk } from 'chalk';
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_THRESHOLDS } from '../model/thresholds.ts';
import { EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_NO_DATA, EXIT_OK, EXIT_USAGE, InputError, isKnownError, UsageError } from '../model/errors.ts';
import { DEFAULT_MAX_LINE_BYTES } from '../scan/scanner.ts';
import { guardPipe, resolveColor, showProgress, writeOutput } from './output.ts';
import { METRICS } from '../analyze/metrics.ts';
import { DEFAULT_CONFIG_FILE, loadConfig, mergeConfig } from './config.ts';
import { parseDuration, parseOptions, type RawOptions } from '../options/options.ts';
import { PARSERS } from '../parse/index.ts';
import { renderAnnotations, renderStepSummary } from '../render/github.ts';
import { RENDERERS } from '../render/index.ts';
import { renderJunit } from '../render/junit.ts';
import type { RenderContext } from '../render/types.ts';
import type { Finding, Report, Verdict } from '../model/report.ts';
import { checkReport } from '../summary/validate.ts';
import { compareReports } from '../analyze/compare.ts';
import { renderComparison } from '../render/compare.ts';
import { run } from './run.ts';
import { spawn } from 'node:child_process';
import { describeFinding } from '../render/messages.ts';
import { sanitize } from '../render/format.ts';
import { fitScreen, renderAlertText, renderWatchAlert, renderWatchFinal, renderWatchScreen, renderWatchSnapshot } from '../render/watch.ts';
import { watch } from '../watch/watch.ts';
import { renderProgress } from '../render/progress.ts';
import type { ReadProgress } from '../input/read-sources.ts';
import { VERSION } from '../model/version.ts';
import { prepareCollector } from '../input/collect.ts';
import { setOptimizing } from './exit-safety.ts';
import { DEFAULT_JOBS, DEFAULT_JOBS_MAX } from '../input/threads.ts';

// gc() for the reader to free buffers handed between threads once in a while (input/collect.ts),
// looked up before any worker starts: a V8 flag changed while one boots costs it its snapshot.
prepareCollector();

/** fd 0: a file at its start read as that file (stdinFile, plan.ts), other files read directly, a pipe or socket by libuv as data arrives, process.stdin only if a direct read finds it non-blocking (read-input.ts). */
const STDIN = { fd: 0, stream: () => process.stdin };

type Mode = 'report' | 'check' | 'merge';
type CliOptions = RawOptions & {
  readonly color?: boolean;
  readonly patternFile?: string;
  readonly config?: string;
  readonly listMetrics?: boolean;
  readonly save?: string;
  readonly out?: string;
  readonly junit?: string;
  readonly github?: boolean;
  readonly quiet?: boolean;
};

/** `--out`: the format follows the file's extension. */
function renderForFile(path: string, report: Report, strict: boolean, context: RenderContext): string {
  const ext = extname(path).toLowerCase();
  if (ext === '.md' || ext === '.markdown') return RENDERERS.markdown(report, context);
  if (ext === '.csv') return RENDERERS.csv(report, context);
  if (ext === '.xml') return renderJunit(report, strict);
  if (ext === '.json' || ext === '') return RENDERERS.json(report, context);
  throw new UsageError(`--out ${path}: unknown extension '${ext}' (use .json, .md, .csv or .xml)`);
}

function appendFile(path: string, text: string): void {
  try {
    appendFileSync(path, text);
  } catch (error) {
    throw new UsageError(`GITHUB_STEP_SUMMARY ${path}: cannot append to it (${error instanceof Error ? error.message : String(error)})`);
  }
}

function writeFile(path: string, text: string, flag: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new UsageError(`${flag} ${path}: cannot write it (${error instanceof Error ? error.message : String(error)})`);
  }
}

function readPatternFile(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split(/\r?\n/);
  } catch (error) {
    throw new UsageError(`--pattern-file ${path}: ${error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'no such file' : String(error)}`);
  }
}

const EXIT_CODES_HELP = `
Exit codes:
  0  report printed (dpskew); check passed (dpskew check)
  1  check: a fail-level finding (warn-level too with --strict)
  2  usage error, unreadable input, corrupt gzip or summary, a summary of a run
     that had one or was interrupted, or unwritable output (one line on stderr each)
  3  check: nothing to judge (no batch lines, or too few to support a verdict)
  130  interrupted (Ctrl-C): the partial report was printed

Examples:
  dpskew logs/                          per-rank report of a directory of worker logs
  kubectl logs pod/sglang-0 | dpskew    read stdin
  dpskew check logs/ --strict           fail a CI job on fail- or warn-level findings
  dpskew logs/ --format json > r.json   machine-readable report (schemaVersion 1)`;

function addCommonOptions(command: Command): Command {
  const d = DEFAULT_THRESHOLDS;
  return command
    .argument('[paths...]', 'log files, directories (read recursively) or - for stdin; stdin when omitted')
    .addOption(new Option('-f, --format <format>', 'output format').choices(Object.keys(RENDERERS)).default('table'))
    .addOption(new Option('--by <grouping>', 'rank: DP ranks summed over workers; worker: each worker\'s ranks').choices(['rank', 'worker']).default('rank'))
    .addOption(new Option('--engine <engine>', 'read only this log family (default: every family, detected per line; custom: only --pattern)').choices(['auto', ...Object.keys(PARSERS), 'custom']).default('auto'))
    .option('--pattern <regex>', 'extra line pattern with named groups rank (required), kind, queue, tokens, running, ts; repeatable; linear-time engine', collect, [])
    .option('--pattern-file <file>', 'read --pattern lines from a file (one per line, # comments)')
    .option('--tz <zone>', 'IANA time zone of timestamps printed without one (SGLang, vLLM, TensorRT-LLM)', 'UTC')
    .option('--name <worker>', 'worker name for stdin (default: stdin), e.g. the pod a kubectl logs stream comes from')
    .option('--dp-size <n>', 'DP ranks per worker, overriding server_args (ranks 0..n-1 are expected)')
    .option('--warn-balance <x>', 'warn when balance (mean/max) is below x', String(d.warnBalance))
    .option('--fail-balance <x>', 'fail when balance is below x', String(d.failBalance))
    .option('--queue-skew-factor <x>', 'QUEUE_SKEW: a rank\'s p95 queue ≥ x × the median of the other ranks\' p95', String(d.queueSkewFactor))
    .option('--queue-skew-min <n>', 'QUEUE_SKEW: and its p95 queue ≥ n requests', String(d.queueSkewMin))
    .option('--min-batches <n>', 'judge a group only with at least max(n, ranks × --min-batches-per-rank) batches', String(d.minBatches))
    .option('--min-batches-per-rank <n>', 'see --min-batches', String(d.minBatchesPerRank))
    .option('--alpha <p>', 'χ² noise gate: a low balance is skew only when p < alpha', String(d.alpha))
    .option('--routing-mismatch <x>', 'warn when a rank\'s share of routing decisions and of executed prefill batches differ by more than x', String(d.routingMismatch))
    .option('--window <size>', 'time window for balance over time: auto (about 300 windows, snapped to 5s…10m) or a duration (30s, 5m)', 'auto')
    .option('--since <time>', 'only lines at or after this time: a timestamp (read in --tz) or +duration from the log\'s start')
    .option('--until <time>', 'only lines before this time: a timestamp or -duration from the log\'s end')
    .option('--skip-warmup <duration>', 'leave out the first duration of the log (same as --since +duration)')
    .option('--idle-min <duration>', 'IDLE_PERIOD: report a rank idle at least this long while its peers worked', `${d.idleMinSeconds}s`)
    .option('--window-skew-share <x>', 'WINDOW_SKEW: warn when more than this share of active windows is skewed', String(d.windowSkewShare))
    .option('--queued-idle-warn <x>', 'QUEUED_WHILE_PEER_IDLE: warn above this share of active windows', String(d.queuedIdleWarn))
    .option('--queued-idle-fail <x>', 'QUEUED_WHILE_PEER_IDLE: fail above this share of active windows', String(d.queuedIdleFail))
    .option('--ceiling-min-lines <n>', 'RUNNING_CEILING: queued lines with one constant #running-req needed', String(d.ceilingMinLines))
    .option('--no-chart', 'no charts in the table output')
    .option('--implied-rank-from-room', 'show the DP rank each request\'s bootstrap_room implies (room mod dp_size; an inference, not a logged fact)')
    .option('--max-line-bytes <n>', 'lines longer than n bytes are counted as oversized and skipped', String(DEFAULT_MAX_LINE_BYTES))
    .option('-j, --jobs <n>', `threads to read with, never more than the cores (1: no worker threads); default: the cores, at most ${DEFAULT_JOBS_MAX}`, String(DEFAULT_JOBS))
    .option('-q, --quiet', 'no progress line on stderr (it is only drawn on a terminal, never in CI)')
    .option('--color', 'force colour')
    .option('--no-color', 'no colour (also: NO_COLOR=1, TERM=dumb, or output not a terminal)')
    .option('--out <file>', 'also write a machine format to a file (by extension: .json, .md, .csv, .xml = JUnit) while stdout keeps --format')
    .option('--junit <file>', 'write a JUnit XML report: one testcase per assertion and per fail/warn finding')
    .option('--github', 'GitHub Actions annotations and a job summary in $GITHUB_STEP_SUMMARY (automatic when GITHUB_ACTIONS=true)')
    .option('--save <file>', 'also write a mergeable summary (exact counts, histograms, windows) for dpskew merge')
    .option('--config <file>', `settings as JSON (flags' camelCase names, "assert", "warn"); default: ./${DEFAULT_CONFIG_FILE} if present`)
    .addHelpText('after', EXIT_CODES_HELP);
}

function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

function buildProgram(onAction: (mode: Mode, paths: string[], options: CliOptions, command: Command) => Promise<void>): Command {
  const program = new Command('dpskew')
    .description('Per-DP-rank prefill/decode balance, queue depth and skew findings from LLM serving logs (SGLang).')
    .version(VERSION)
    // Options after `check` belong to `check`, not to the top-level command that shares their names.
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  addCommonOptions(program).action((paths: string[], options: CliOptions, command: Command) => onAction('report', paths, options, command));
  const check = program
    .command('check')
    .description('Judge the logs for CI: exit 1 on fail-level findings, 3 when there is nothing to judge.')
    .exitOverride()
    .option('--strict', 'warn-level findings fail too')
    .option('--assert <expr>', "fail unless <metric><op><number> holds, e.g. 'prefill.balance>=0.7' (repeatable)", collect, [])
    .option('--warn <expr>', 'like --assert, but a failure only warns (repeatable)', collect, [])
    .option('--list-metrics', 'list the metric names --assert and --warn accept, and exit');
  addCommonOptions(check).action((paths: string[], options: CliOptions, command: Command) => onAction('check', paths, options, command));
  const compare = program
    .command('compare')
    .description('Compare two runs side by side (each a log directory, a file, a --save summary or a saved --format json report).')
    .exitOverride()
    .argument('<before>', 'the run before')
    .argument('<after>', 'the run after')
    .option('--fail-on-regression', 'exit 1 when the after side is worse (lower balance beyond the threshold, or a worse verdict)')
    .option('--regression-threshold <x>', 'balance drop that counts as a regression', '0.05');
  addComparisonOptions(compare).action((before: string, after: string, options: CliOptions & ComparisonFlags, command: Command) =>
    compareMain(before, after, options, command),
  );
  const watchCommand = program
    .command('watch')
    .description('Follow growing logs (files, directories, stdin) and judge them again every interval: a live screen on a terminal, one JSON object per interval in a pipe.')
    .exitOverride()
    .option('--interval <duration>', 'how often to read what was appended and redraw', '2s')
    .option('--last <duration>', 'also show this last stretch of log time, next to the whole run', '60s')
    .option('--alert', 'exit 1, printing the finding, once a fail-level finding has held for --for')
    .option('--for <duration>', 'how long a fail-level finding must hold before it alerts', '60s')
    .option('--alert-exec <command>', 'instead of exiting, run this shell command on each alert, with DPSKEW_CODE, DPSKEW_LEVEL, DPSKEW_PHASE, DPSKEW_WORKER, DPSKEW_MESSAGE, DPSKEW_ADVICE, DPSKEW_VERDICT and DPSKEW_FINDING (JSON) set');
  addCommonOptions(watchCommand)
    .addHelpText('after', WATCH_HELP)
    .action((paths: string[], options: CliOptions & WatchFlags, command: Command) => watchMain(paths, options, command));
  const merge = program
    .command('merge')
    .description('Merge summaries written with --save (one per node or file) into one report, as if all logs were analysed at once.')
    .exitOverride();
  addCommonOptions(merge).action((paths: string[], options: CliOptions, command: Command) => onAction('merge', paths, options, command));
  return program;
}

async function main(mode: Mode, paths: string[], flags: CliOptions, command: Command): Promise<void> {
  if (flags.listMetrics === true) {
    const width = Math.max(...METRICS.map((m) => m.name.length));
    await writeOutput(`${METRICS.map((m) => `${m.name.padEnd(width)}  ${m.description}`).join('\n')}\n`);
    return;
  }
  const { values: config } = loadConfig(flags.config, process.cwd());
  const raw = mergeConfig(config, flags, (key) => command.getOptionValueSource(key) === 'cli');
  const options = parseOptions({ ...raw, patternFileLines: flags.patternFile === undefined ? [] : readPatternFile(flags.patternFile) });
  // isatty, not process.stdin.isTTY: touching process.stdin would make a piped fd 0 non-blocking.
  if (paths.length === 0 && isatty(0)) {
    process.stderr.write(`error: no input: give log files or directories, or pipe logs into dpskew\n\n${command.helpInformation()}`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  if (mode === 'merge') {
    const notSummaries = paths.filter((p) => !p.endsWith('.json'));
    if (paths.length === 0 || notSummaries.length > 0) {
      throw new UsageError(`merge takes summary files written by --save (*.json)${notSummaries.length > 0 ? `, not ${notSummaries.join(', ')}` : ''}`);
    }
  }
  // Ctrl-C: stop reading and print what was read, marked partial, then exit 130; a second Ctrl-C exits at once.
  const interrupt = new AbortController();
  onCtrlC(interrupt);
  const progress = createProgressLine(flags.quiet === true, process.stderr, process.env);
  const result = await run(paths, options, {
    stdin: STDIN,
    cwd: process.cwd(),
    signal: interrupt.signal,
    onReading: setOptimizing,
    summariesOnly: mode === 'merge',
    ...(progress === null ? {} : { onProgress: progress.update }),
  });
  const { inputErrors, notes, summary } = result;
  progress?.clear();
  const color = options.format === 'table' && resolveColor(flags.color, process.env, process.stdout.isTTY === true);
  const render = (r: Report): string => RENDERERS[options.format](r, { chalk: new Chalk({ level: color ? 1 : 0 }), width: process.stdout.columns || 80, chart: options.chart });
  // Analysis, --save and rendering are synchronous: a Ctrl-C pressed meanwhile is seen only
  // between them, and still marks the report.
  await signalsSeen();
  let report = markInterrupted(result.report, interrupt.signal);
  if (flags.save !== undefined) writeFile(flags.save, `${JSON.stringify(summary())}\n`, '--save');
  let text = render(report);
  await signalsSeen();
  if (interrupt.signal.aborted && !report.interrupted) {
    report = markInterrupted(report, interrupt.signal);
    text = render(report);
  }
  const assertionsPassed = report.assertions.length > 0 && report.assertions.every((a) => a.passed);
  const plainContext = { chalk: new Chalk({ level: 0 }), width: 100, chart: false };
  if (flags.out !== undefined) writeFile(flags.out, renderForFile(flags.out, report, options.strict, plainContext), '--out');
  if (flags.junit !== undefined) writeFile(flags.junit, renderJunit(report, options.strict), '--junit');
  if (flags.github === true || process.env['GITHUB_ACTIONS'] === 'true') {
    const annotations = renderAnnotations(report, options.strict);
    // Annotations go with human output on stdout; next to JSON or CSV they go to stderr (the runner reads both).
    if (options.format === 'json' || options.format === 'csv') process.stderr.write(annotations);
    else await writeOutput(annotations);
    const summaryFile = process.env['GITHUB_STEP_SUMMARY'];
    if (summaryFile !== undefined && summaryFile !== '') appendFile(summaryFile, renderStepSummary(report, plainContext));
  }
  const exitCode = inputErrors.length > 0 ? EXIT_USAGE : mode === 'check' ? checkExitCode(report.verdict, options.strict, assertionsPassed) : EXIT_OK;
  // 130 only for this run's Ctrl-C; a partial report merged from an interrupted run's summary is an input error (2).
  const interrupted = report.interrupted && interrupt.signal.aborted;
  process.exitCode = interrupted ? EXIT_INTERRUPTED : exitCode;
  await writeOutput(text);
  for (const note of notes) process.stderr.write(inputLine('note', note));
  for (const error of inputErrors) process.stderr.write(inputLine('error', error));
  // A Ctrl-C while writing is honoured too (the report is out, unmarked); stdin may still be open
  // (a pipe still writing): nothing more will be read.
  await signalsSeen();
  if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
}

/**
 * Ctrl-C: the first aborts `interrupt` (reading stops, and the report is marked interrupted, in
 * whatever phase), a second exits at once with 130. One listener for both: a `once` listener that
 * added the next one lost a second Ctrl-C queued behind the first during synchronous work (Node
 * closes a signal's handle when its last listener goes, and the signal still queued on it).
 */
function onCtrlC(interrupt: AbortController): void {
  process.on('SIGINT', () => {
    if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
    interrupt.abort();
  });
}

/** The report marked `interrupted` once Ctrl-C was pressed, whatever the phase (after reading, its numbers are whole). */
function markInterrupted(report: Report, signal: AbortSignal): Report {
  return signal.aborted && !report.interrupted ? { ...report, interrupted: true } : report;
}

/**
 * Returns once signals that arrived during synchronous work have been dispatched to their
 * listeners. A signal is read in the event loop's poll phase: the first turn may end in the check
 * phase without one (synchronous work running from a poll callback), the second passes through it.
 * Without this, a Ctrl-C pressed during the analysis was never seen: the process ended first.
 */
async function signalsSeen(): Promise<void> {
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
function createProgressLine(quiet: boolean, stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): { update: (p: ReadProgress) => void; clear: () => void } | null {
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

/** @param assertionsPassed the user's assertions all held: their gate has data, so "insufficient" findings do not make it 3 */
interface ComparisonFlags {
  readonly failOnRegression?: boolean;
  readonly regressionThreshold?: string;
}

/** compare shares the analysis flags, without the ones that make no sense for two sides. */
function addComparisonOptions(command: Command): Command {
  const d = DEFAULT_THRESHOLDS;
  return command
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'markdown']).default('table'))
    .addOption(new Option('--engine <engine>', 'read only this log family').choices(['auto', ...Object.keys(PARSERS)]).default('auto'))
    .option('--tz <zone>', 'IANA time zone of timestamps printed without one', 'UTC')
    .option('--dp-size <n>', 'DP ranks per worker, overriding server_args')
    .option('--warn-balance <x>', 'warn when balance is below x', String(d.warnBalance))
    .option('--fail-balance <x>', 'fail when balance is below x', String(d.failBalance))
    .option('--since <time>', 'only lines at or after this time')
    .option('--until <time>', 'only lines before this time')
    .option('--color', 'force colour')
    .option('--no-color', 'no colour')
    .option('--config <file>', `settings as JSON; default: ./${DEFAULT_CONFIG_FILE} if present`);
}

interface WatchFlags {
  readonly interval?: string;
  readonly last?: string;
  readonly alert?: boolean;
  readonly for?: string;
  readonly alertExec?: string;
}

const WATCH_HELP = `
Watch exit codes:
  0  stdin ended (only stdin, pipes or FIFOs were watched, and all ended): the final report was printed
  1  --alert: a fail-level finding held for --for
  2  usage error, a path that does not exist, or output that cannot be written
  130  Ctrl-C: the final whole-run report was printed
  143, 129  SIGTERM, SIGHUP: the terminal was restored

Examples:
  kubectl logs -f sglang-0 | dpskew watch --alert --for 2m
  dpskew watch logs/ --last 5m                live screen of a run's directory
  dpskew watch logs/ --alert-exec 'notify-send "$DPSKEW_MESSAGE"'`;

const ALT_SCREEN_ON = '\u001b[?1049h\u001b[?25l';
const ALT_SCREEN_OFF = '\u001b[?25h\u001b[?1049l';
const HOME_AND_CLEAR = '\u001b[H\u001b[2J';

async function watchMain(paths: string[], flags: CliOptions & WatchFlags, command: Command): Promise<void> {
  const unsupported = (['save', 'out', 'junit', 'github'] as const).filter((key) => flags[key] !== undefined);
  if (unsupported.length > 0) {
    throw new UsageError(`watch: ${unsupported.map((k) => `--${k}`).join(', ')} ${unsupported.length === 1 ? 'is' : 'are'} for one-off runs; the watch ends with the final report (in a pipe, the last NDJSON line holds it)`);
  }
  const { values: config } = loadConfig(flags.config, process.cwd());
  const options = parseOptions({ ...mergeConfig(config, flags, (key) => command.getOptionValueSource(key) === 'cli'), patternFileLines: flags.patternFile === undefined ? [] : readPatternFile(flags.patternFile) });
  const settings = {
    intervalMs: positiveMs('--interval', flags.interval ?? '2s'),
    lastMs: positiveMs('--last', flags.last ?? '60s'),
    holdMs: parseDuration('--for', flags.for ?? '60s'),
    alerts: flags.alert === true || flags.alertExec !== undefined,
  };
  if (paths.length === 0 && isatty(0)) {
    process.stderr.write(`error: no input: give log files or directories to watch, or pipe logs into dpskew watch\n\n${command.helpInformation()}`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  const live = process.stdout.isTTY === true && options.format === 'table';
  const color = live && resolveColor(flags.color, process.env, true);
  const context = (): RenderContext => ({ chalk: new Chalk({ level: color ? 1 : 0 }), width: process.stdout.columns || 80, chart: options.chart });
  const interrupt = new AbortController();
  onCtrlC(interrupt);
  const screen = createLiveScreen();
  let alerted: readonly Finding[] = [];
  const result = await watch(paths, options, settings, {
    stdin: STDIN,
    stdinName: options.stdinName ?? 'stdin',
    cwd: process.cwd(),
    signal: interrupt.signal,
    now: Date.now,
    onSnapshot: (snapshot) => {
      if (live) screen.enter();
      return writeOutput(live ? `${HOME_AND_CLEAR}${fitScreen(renderWatchScreen(snapshot, context(), settings.intervalMs), process.stdout.rows || 24, process.stdout.columns || 80)}` : renderWatchSnapshot(snapshot));
    },
    onAlert: async (findings, snapshot) => {
      if (!live) for (const finding of findings) await writeOutput(renderWatchAlert(finding, snapshot.time));
      if (flags.alertExec === undefined) {
        alerted = findings;
        return true;
      }
      for (const finding of findings) runAlertCommand(flags.alertExec, finding, snapshot.report.verdict, live);
      return false;
    },
  });
  // Nothing more is read: no optimizing compiles from here to the exit (exit-safety.ts).
  setOptimizing(false);
  screen.leave();
  process.exitCode = result.outcome === 'alert' ? EXIT_FINDINGS : result.outcome === 'interrupted' ? EXIT_INTERRUPTED : EXIT_OK;
  await writeOutput(live ? RENDERERS.table(result.final, context()) : renderWatchFinal(result.final, result.outcome, context()));
  for (const finding of alerted) process.stderr.write(renderAlertText(finding, settings.holdMs));
  // stdin may still be open (a pipe still writing): nothing more will be read.
  process.exit(process.exitCode);
}

/**
 * The live screen's terminal state: the alternate screen with the cursor hidden, entered at the
 * first snapshot (an error before it, such as a path that does not exist, shows on the normal
 * screen) and left on every way out: the end of the watch, `exit`, and SIGTERM or SIGHUP, which
 * would otherwise kill the process and leave the terminal that way; those exit 128 + the signal's
 * number (143, 129), as a process killed by them would.
 */
function createLiveScreen(): { enter(): void; leave(): void } {
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

/** Signals that end a live watch with its terminal restored (SIGINT prints the final report: see watchMain). */
const LEAVE_SIGNALS = ['SIGTERM', 'SIGHUP'] as const;

/** `--alert-exec`: the command, with the finding in its environment; its output must not break the screen or the NDJSON on stdout. */
function runAlertCommand(command: string, finding: Finding, verdict: Verdict, live: boolean): void {
  const { message, advice } = describeFinding(finding);
  spawn('sh', ['-c', command], {
    stdio: live ? 'ignore' : ['ignore', process.stderr, process.stderr],
    env: {
      ...process.env,
      DPSKEW_CODE: finding.code,
      DPSKEW_LEVEL: finding.level,
      DPSKEW_PHASE: finding.phase ?? '',
      DPSKEW_WORKER: finding.worker ?? '',
      DPSKEW_MESSAGE: message,
      DPSKEW_ADVICE: advice,
      DPSKEW_VERDICT: verdict,
      DPSKEW_FINDING: JSON.stringify(finding),
    },
  }).on('error', (error) => process.stderr.write(`error: --alert-exec: ${error.message}\n`));
}

function positiveMs(flag: string, text: string): number {
  const ms = parseDuration(flag, text);
  if (ms <= 0) throw new UsageError(`${flag} must be a positive duration (got ${text})`);
  return ms;
}

async function compareMain(beforePath: string, afterPath: string, flags: CliOptions & ComparisonFlags, command: Command): Promise<void> {
  const { values: config } = loadConfig(flags.config, process.cwd());
  const options = parseOptions(mergeConfig({ ...config, assert: [], warn: [] }, flags, (key) => command.getOptionValueSource(key) === 'cli'));
  const threshold = Number(flags.regressionThreshold ?? '0.05');
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) throw new UsageError('--regression-threshold must be between 0 and 1');
  const errors: string[] = [];
  const notes: string[] = [];
  const load = async (path: string): Promise<Report> => {
    const saved = readSavedReport(path);
    if (saved !== null) return saved;
    const result = await run([path], options, { stdin: STDIN, cwd: process.cwd(), onReading: setOptimizing });
    for (const n of result.notes) notes.push(inputLine('note', n));
    for (const e of result.inputErrors) errors.push(inputLine('error', e));
    return result.report;
  };
  const comparison = compareReports(await load(beforePath), await load(afterPath), { before: beforePath, after: afterPath }, threshold);
  const color = options.format === 'table' && resolveColor(flags.color, process.env, process.stdout.isTTY === true);
  process.exitCode = errors.length > 0 ? EXIT_USAGE : flags.failOnRegression === true && comparison.regression ? EXIT_FINDINGS : EXIT_OK;
  await writeOutput(renderComparison(comparison, options.format, new Chalk({ level: color ? 1 : 0 })));
  for (const line of [...notes, ...errors]) process.stderr.write(line);
}

/**
 * An `error:` or `note:` line about an input for stderr. Paths, and problems found in a summary or a
 * saved report, quote what files hold: control characters and bidi marks are shown escaped.
 */
function inputLine(kind: 'error' | 'note', { path, message }: { readonly path: string; readonly message: string }): string {
  return `${kind}: ${sanitize(path)}: ${sanitize(message)}\n`;
}

/**
 * A report saved with --format json / --out (a JSON object with `schemaVersion` near its start), or
 * `null` when `path` is something else (a summary, a log). A saved report that does not match
 * schemas/report.schema.json is an InputError naming the field.
 */
function readSavedReport(path: string): Report | null {
  if (!path.endsWith('.json')) return null;
  let text: string;
  try {
    if (!/^\s*\{[^]*"schemaVersion"/.test(readHeadSync(path))) return null;
    text = readFileSync(path, 'utf8');
  } catch {
    return null; // reading it as a log reports the error
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new InputError(path, 'not a saved dpskew report: not valid JSON (save one with --format json or --out FILE.json)');
  }
  const checked = checkReport(data);
  if (checked.problem !== null) throw new InputError(path, checked.problem);
  return checked.value;
}

/** The first 4 KiB of a file: a saved report names its schemaVersion first. */
function readHeadSync(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
  } finally {
    closeSync(fd);
  }
}

function checkExitCode(verdict: Verdict, strict: boolean, assertionsPassed: boolean): number {
  switch (verdict) {
    case 'fail':
      return EXIT_FINDINGS;
    case 'warn':
      return strict ? EXIT_FINDINGS : EXIT_OK;
    case 'insufficient':
      return assertionsPassed ? EXIT_OK : EXIT_NO_DATA;
    case 'ok':
      return EXIT_OK;
  }
}

guardPipe(process.stdout);
void runProgram();

/** argv → the command; exit codes for what goes wrong before or outside a command's own. */
async function runProgram(): Promise<void> {
  const program: Command = buildProgram((mode, paths, options, command) => main(mode, paths, options, command));
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
