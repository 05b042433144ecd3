/**
 * run(paths, options) → Report: io → parse → aggregate → detect. No console, no exit codes.
 */
import { open, readFile } from 'node:fs/promises';
import { WorkerState } from '../aggregate/worker-state.ts';
import { applyAssertions } from '../analyze/assertions.ts';
import { InputError, UsageError } from '../model/errors.ts';
import { summarizeInput, type TimeRange } from '../input/ingest.ts';
import type { StdinInput } from '../input/read-input.ts';
import { resolveSources, workerNames, type Source } from '../input/sources.ts';
import { inputNotes, inputParts } from '../input/split-parts.ts';
import { readSettingsOf, type Options, type TimeBound } from '../options/options.ts';
import { readSources, type ReadOptions, type ReadProgress } from '../input/read-sources.ts';
import { buildReport } from '../analyze/build-report.ts';
import { distinctSummaries, parseSummary, SUMMARY_EMPTY, SUMMARY_FORMAT, SUMMARY_FORMAT_MISSING, SUMMARY_INTERRUPTED, toSummary, workersFromSummaries, type InputNote, type Summary, type SummaryFile, type SummarySettings } from '../summary/summary.ts';
import type { InputSummary, Report } from '../model/report.ts';
import { VERSION } from '../model/version.ts';
import { dropSpareKernels } from '../scan/kernel.ts';
import { collectFully, MANY_WORKERS } from '../input/collect.ts';

export interface RunContext {
  /** standard input, for `-` */
  readonly stdin: StdinInput;
  readonly cwd: string;
  /** Ctrl-C: stop reading, and report what was read, marked `interrupted` */
  readonly signal?: AbortSignal;
  /** called as reading progresses (the CLI draws a progress line from it) */
  readonly onProgress?: (progress: ReadProgress) => void;
  /** task and stdin block sizes, for tests that exercise splitting on small inputs */
  readonly tuning?: { readonly taskBytes?: number; readonly blockBytes?: number };
  /** another implementation of reading (tests compare the fast paths with a plain line-by-line reader) */
  readonly readSources?: typeof readSources;
  /** called before the first read and once every input is read (the CLI stops V8's optimizer then: exit-safety.ts) */
  readonly onReading?: (reading: boolean) => void;
  /** `dpskew merge`: every input must be a summary; any other file is an input error, not a log */
  readonly summariesOnly?: boolean;
}

export interface RunResult {
  readonly report: Report;
  /** the mergeable summary of everything analysed (`--save`) */
  readonly summary: () => Summary;
  /** unreadable paths and inputs that failed part-way (their partial numbers are in the report) */
  readonly inputErrors: readonly InputError[];
  /** inputs left out because they were counted already (a summary given twice) */
  readonly notes: readonly InputNote[];
}

export async function run(paths: readonly string[], options: Options, context: RunContext): Promise<RunResult> {
  const resolved = await resolveSources(paths.length === 0 ? ['-'] : paths, 'fd' in context.stdin ? context.stdin.fd : undefined);
  const { skipped, errors, duplicates } = resolved;
  const inputErrors: InputError[] = [...errors];
  const { summaries, logs: sources } = await splitSummaries(resolved.sources, inputErrors, context.summariesOnly === true);
  const names = workerNames(sources, context.cwd);
  if (options.stdinName !== null) names.set('-', options.stdinName);
  const readOptions = {
    stateOwners: stateOwnersOf(sources, names),
    jobs: options.jobs,
    ...(context.tuning?.taskBytes === undefined ? {} : { taskBytes: context.tuning.taskBytes }),
    ...(context.tuning?.blockBytes === undefined ? {} : { blockBytes: context.tuning.blockBytes }),
    ...(context.signal === undefined ? {} : { signal: context.signal }),
    ...(context.onProgress === undefined ? {} : { onProgress: context.onProgress }),
  };
  const read = context.readSources ?? readSources;
  context.onReading?.(true);
  const range = await resolveTimeRange(options, sources, readOptions, read);
  const outputs = await read(sources, readSettingsOf(options, range), 'analyse', readOptions, context.stdin);
  context.onReading?.(false);
  dropSpareKernels();

  const workers = new Map<string, WorkerState>();
  const inputs: InputSummary[] = [];
  const splitNotes: InputNote[] = [];
  sources.forEach((source, i) => {
    const output = outputs[i];
    if (output === undefined) return;
    const workerName = names.get(source.name) ?? source.name;
    // One part per worker: the input's own, or one per source of a stream split by source (--split).
    for (const part of inputParts(output, workerName)) {
      let worker = workers.get(part.worker);
      if (worker === undefined) {
        worker = part.state;
        worker.name = part.worker;
        workers.set(part.worker, worker);
      } else worker.append(part.state);
      worker.addInput(source.name);
      inputs.push(summarizeInput(source.name, part.worker, part.tally, part.read));
    }
    if (output.error !== null) inputErrors.push(new InputError(source.name, output.error));
    for (const message of inputNotes(output, source.name, workerName)) splitNotes.push({ path: source.name, message });
  });
  // Their accumulators now belong to `workers`: the rest of each output can go (10,000 small files).
  outputs.length = 0;
  for (const error of errors) inputs.push(unreadableInput(error, names.get(error.path) ?? error.path));

  const settings: SummarySettings = {
    timezone: options.zone.name,
    engine: options.engine,
    patterns: options.patterns.map((p) => p.source),
    timeRange: range,
    maxLineBytes: options.maxLineBytes,
  };
  // Saved summaries join the workers read here; a worker seen in both is merged, as files of one worker are.
  const usable = summaries.filter((summary) => {
    const problem = settingsMismatch(summary.summary.settings, settings);
    if (problem !== null) inputErrors.push(new InputError(summary.file, `summary read with ${problem}; pass the same settings to merge it`));
    return problem === null;
  });
  const { taken, notes, errors: overlaps } = distinctSummaries(usable, inputs);
  inputErrors.push(...overlaps);
  // A summary carries the outcome of the run that wrote it: its broken inputs are errors here too,
  // and one of an interrupted run marks this report partial and is an error (exit 2, not 130: this
  // run was not interrupted, but it must not pass a gate as if every log had been read).
  for (const { file, summary } of taken) {
    for (const input of summary.inputs) if (input.error !== null) inputErrors.push(new InputError(input.name, `${input.error} (as read for ${file})`));
    if (summary.interrupted === true) inputErrors.push(new InputError(file, SUMMARY_INTERRUPTED));
  }
  // Into `workers` itself, not a copy: a map of 10,000 workers is ~0.5 MB, held while the report is built.
  for (const w of workersFromSummaries(taken.map((u) => u.summary))) {
    const mine = workers.get(w.name);
    if (mine === undefined) workers.set(w.name, w);
    else mine.merge(w);
  }
  const allInputs = [...inputs, ...taken.flatMap((u) => u.summary.inputs)];
  const allSkipped = [...skipped, ...taken.flatMap((u) => u.summary.skippedFiles)];
  if (workers.size >= MANY_WORKERS) collectFully();
  const built = applyAssertions(
    buildReport([...workers.values()], allInputs, { ...options, timezone: options.zone.name, timeRange: range }, allSkipped, duplicates),
    options.assertions,
  );
  const interrupted = context.signal?.aborted === true || taken.some((u) => u.summary.interrupted === true);
  const report = interrupted ? { ...built, interrupted: true } : built;
  return { report, inputErrors, notes: [...splitNotes, ...notes], summary: () => toSummary([...workers.values()], allInputs, allSkipped, settings, VERSION, interrupted) };
}

/**
 * For each source, the index of the first source of its worker: its state goes there as soon as both
 * are read (read-sources.ts). A function of its own, so its map of workers is not kept while the
 * inputs are read and the report built.
 */
function stateOwnersOf(sources: readonly Source[], names: ReadonlyMap<string, string>): number[] {
  const firstOfWorker = new Map<string, number>();
  return sources.map((source, i) => {
    const name = names.get(source.name) ?? source.name;
    const first = firstOfWorker.get(name) ?? i;
    firstOfWorker.set(name, first);
    return first;
  });
}

function unreadableInput(error: InputError, worker: string): InputSummary {
  return {
    name: error.path,
    worker,
    gzip: false,
    bytes: 0,
    lines: { linesRead: 0, recognised: 0, batchLines: 0, layoutLines: 0, outOfRange: 0, ignored: 0, unparseable: 0, oversized: 0, invalidUtf8: 0 },
    families: {},
    unparseableExample: null,
    error: error.message,
  };
}

/**
 * The time filter in absolute terms. Offsets from the log's start or end need its first and last
 * timestamps: a first pass reads every file input once more (stdin cannot be read twice).
 */
async function resolveTimeRange(options: Options, sources: readonly Source[], readOptions: ReadOptions, read: typeof readSources): Promise<TimeRange | null> {
  const { since, until } = options;
  if (since === null && until === null) return null;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  if ((since !== null && since.kind !== 'absolute') || (until !== null && until.kind !== 'absolute')) {
    if (sources.some((s) => s.path === '-')) {
      throw new UsageError('--since/--until relative to the log (+5m, -10m) and --skip-warmup need file inputs: stdin cannot be read twice; use absolute times');
    }
    for (const output of await read(sources, readSettingsOf(options, null), 'extent', readOptions, null)) {
      if (output.first !== null && output.first < first) first = output.first;
      if (output.last !== null && output.last > last) last = output.last;
    }
  }
  const resolve = (bound: TimeBound | null): number | null => {
    if (bound === null) return null;
    if (bound.kind === 'absolute') return bound.ms;
    if (!Number.isFinite(first)) return null;
    return bound.kind === 'fromStart' ? first + bound.ms : last - bound.ms;
  };
  return { since: resolve(since), until: resolve(until) };
}

/** Enough of a file to tell a summary (its `format` comes first) from a log without reading it whole. */
const HEAD_BYTES = 4096;
const SUMMARY_HEAD = new RegExp(`"format"\\s*:\\s*"${SUMMARY_FORMAT}"`);

/**
 * Explicit `.json` inputs that are dpskew summaries (`--save`) are merged rather than read as logs;
 * any other file, `.json` or not, is a log, except with `summariesOnly` (`dpskew merge`), where it
 * is an input error.
 */
async function splitSummaries(
  sources: readonly Source[],
  errors: InputError[],
  summariesOnly: boolean,
): Promise<{ summaries: SummaryFile[]; logs: Source[] }> {
  const summaries: SummaryFile[] = [];
  const logs: Source[] = [];
  for (const source of sources) {
    if (source.path === '-' || (!summariesOnly && !source.path.endsWith('.json'))) {
      logs.push(source);
      continue;
    }
    let head: string;
    try {
      head = await readHead(source.path);
    } catch {
      logs.push(source); // reading it as a log reports the error
      continue;
    }
    if (!SUMMARY_HEAD.test(head)) {
      if (!summariesOnly) logs.push(source);
      else errors.push(new InputError(source.name, head.trim() === '' ? SUMMARY_EMPTY : SUMMARY_FORMAT_MISSING));
      continue;
    }
    try {
      summaries.push({ file: source.name, summary: parseSummary(await readFile(source.path, 'utf8'), source.name) });
    } catch (error) {
      if (error instanceof InputError) errors.push(error);
      else throw error;
    }
  }
  return { summaries, logs };
}

async function readHead(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await file.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.toString('utf8', 0, bytesRead);
  } finally {
    await file.close();
  }
}

/** What differs between the settings a summary was read with and this run's, or `null`. */
function settingsMismatch(saved: SummarySettings, current: SummarySettings): string | null {
  if (saved.timezone !== current.timezone) return `--tz ${saved.timezone}`;
  if (saved.engine !== current.engine) return `--engine ${saved.engine}`;
  if (saved.patterns.join('\n') !== current.patterns.join('\n')) return 'other --pattern';
  if (saved.maxLineBytes !== current.maxLineBytes) return `--max-line-bytes ${saved.maxLineBytes}`;
  if (JSON.stringify(saved.timeRange) !== JSON.stringify(current.timeRange)) return 'another --since/--until';
  return null;
}
