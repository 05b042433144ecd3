/** `dpskew [paths]`, `dpskew check` and `dpskew merge`: read, judge, render, and set the exit code. */
import { extname } from 'node:path';
import { isatty } from 'node:tty';
import { Chalk } from 'chalk';
import type { Command } from 'commander';
import { METRICS } from '../../analyze/metrics.ts';
import { EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_NO_DATA, EXIT_OK, EXIT_USAGE, UsageError, type InputError } from '../../model/errors.ts';
import type { Report, Verdict } from '../../model/report.ts';
import type { RawFlags } from '../../options/flags.ts';
import { renderAnnotations, renderStepSummary } from '../../render/github.ts';
import { RENDERERS } from '../../render/index.ts';
import { renderJsonChunks } from '../../render/json.ts';
import { renderJunit } from '../../render/junit.ts';
import type { RenderContext } from '../../render/types.ts';
import { setOptimizing } from '../exit-safety.ts';
import { resolveColor, writeOutput } from '../output.ts';
import { run } from '../run.ts';
import { flagsWithConfig, optionsOf } from '../settings.ts';
import { appendFile, createProgressLine, inputLine, markInterrupted, onCtrlC, signalsSeen, outputWidth, STDIN, writeFile } from '../terminal.ts';

export type ReportMode = 'report' | 'check' | 'merge';

export async function reportCommand(mode: ReportMode, paths: readonly string[], given: RawFlags, command: Command): Promise<void> {
  if (given.listMetrics === true) {
    const width = Math.max(...METRICS.map((m) => m.name.length));
    await writeOutput(`${METRICS.map((m) => `${m.name.padEnd(width)}  ${m.description}`).join('\n')}\n`);
    return;
  }
  const flags = flagsWithConfig(given, command);
  const options = optionsOf(flags);
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
  // Nothing read at all (missing paths, a directory without logs, empty stdin): say why in one line
  // each, like rg or jq, rather than wrapping the error in an empty report.
  const nothing = interrupt.signal.aborted ? null : nothingRead(result.report, inputErrors, paths);
  if (nothing !== null) {
    for (const line of nothing) process.stderr.write(line);
    process.exitCode = EXIT_USAGE;
    return;
  }
  const color = options.format === 'table' && resolveColor(flags.color, process.env, process.stdout.isTTY === true);
  const render = (r: Report): string | Iterable<string> =>
    options.format === 'json' ? renderJsonChunks(r, JSON_CHUNK) : RENDERERS[options.format](r, { chalk: new Chalk({ level: color ? 1 : 0 }), width: outputWidth(process.stdout, process.env), chart: options.chart });
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
    // Annotations go with human output on stdout; next to JSON, CSV or a page they go to stderr (the runner reads both).
    if (options.format === 'json' || options.format === 'csv' || options.format === 'html') process.stderr.write(annotations);
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

/** The lines that say why nothing was read, or `null` when some input had a line. */
export function nothingRead(report: Report, inputErrors: readonly InputError[], paths: readonly string[]): string[] | null {
  // Evidence counts as read even with no lines counted: a summary built by a tool other than a reader.
  const evidence = report.totals.linesRead + report.prefill.batches + report.decode.batches + report.routing.decisions + report.engineStats.samples + report.requests.lines;
  if (evidence > 0) return null;
  const lines = inputErrors.map((e) => inputLine('error', e));
  for (const input of report.inputs) {
    if (input.error !== null || inputErrors.some((e) => e.path === input.name)) continue;
    lines.push(inputLine('error', { path: input.name === '-' ? 'stdin' : input.name, message: input.name === '-' ? 'empty: nothing was piped in' : 'empty file' }));
  }
  if (lines.length === 0) {
    const skipped = report.skippedFiles;
    const shown = skipped.slice(0, 3).join(', ') + (skipped.length > 3 ? `, … ${skipped.length - 3} more` : '');
    const why = skipped.length > 0 ? `${skipped.length} file${skipped.length === 1 ? '' : 's'} skipped as not logs by name: ${shown}; name a file to read it anyway` : 'nothing in it';
    lines.push(inputLine('error', { path: paths.join(', '), message: `no log files (${why})` }));
  }
  return lines;
}

/** Characters per write of the JSON report: a 10 MB report in ~150 writes. */
const JSON_CHUNK = 64 << 10;

/** `--out`: the format follows the file's extension. */
function renderForFile(path: string, report: Report, strict: boolean, context: RenderContext): string {
  const ext = extname(path).toLowerCase();
  if (ext === '.md' || ext === '.markdown') return RENDERERS.markdown(report, context);
  if (ext === '.csv') return RENDERERS.csv(report, context);
  if (ext === '.html' || ext === '.htm') return RENDERERS.html(report, context);
  if (ext === '.xml') return renderJunit(report, strict);
  if (ext === '.json' || ext === '') return RENDERERS.json(report, context);
  throw new UsageError(`--out ${path}: unknown extension '${ext}' (use .json, .md, .csv, .html or .xml)`);
}

/** @param assertionsPassed the user's assertions all held: their gate has data, so "insufficient" findings do not make it 3 */
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
