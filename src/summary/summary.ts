/**
 * Mergeable summaries (`--save FILE`, `dpskew merge`): the accumulated state of every worker, not
 * the rendered report. Counts, sums and maxima are exact; queue and running distributions are kept
 * as exact histograms (value → count), so merged quantiles are exact too (error bound 0); time
 * buckets (5 s) are kept, so windows merge exactly. vLLM's prompt-token estimate (throughput ×
 * interval) is kept as an exact integer with the samples at either end, so the interval that spans
 * two parts is recovered when they are merged in log order.
 *
 * Merging summaries of disjoint inputs gives the same report as analysing all inputs at once,
 * because workers with the same name are merged the same way one run merges a worker's files.
 */
import { WorkerState } from '../aggregate/worker-state.ts';
import { InputError } from '../model/errors.ts';
import type { InputSummary } from '../model/report.ts';
import { checkSummary } from './validate.ts';
import { READABLE_VERSIONS, SUMMARY_EMPTY, SUMMARY_FORMAT, SUMMARY_FORMAT_MISSING, SUMMARY_VERSION, type Summary, type SummarySettings } from './format.ts';

export * from './format.ts';

/** @param interrupted the run stopped before reading everything (Ctrl-C): written only then, so other summaries stay as they were */
export function toSummary(
  workers: readonly WorkerState[],
  inputs: readonly InputSummary[],
  skippedFiles: readonly string[],
  settings: SummarySettings,
  version: string,
  interrupted = false,
): Summary {
  const summary: Summary = { format: SUMMARY_FORMAT, summaryVersion: SUMMARY_VERSION, tool: { name: 'dpskew', version }, settings, inputs, skippedFiles, workers: workers.map((w) => w.toJSON()) };
  return interrupted ? { ...summary, interrupted: true } : summary;
}

/**
 * Parse and check a summary file's text against schemas/summary.schema.json (validate.ts); throws
 * an InputError naming the file and, for a summary that does not match, the field and the problem.
 */
export function parseSummary(text: string, file: string): Summary {
  if (text.trim() === '') throw new InputError(file, SUMMARY_EMPTY);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new InputError(file, 'not a dpskew summary: not valid JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data) || Reflect.get(data, 'format') !== SUMMARY_FORMAT) {
    throw new InputError(file, SUMMARY_FORMAT_MISSING);
  }
  const version: unknown = Reflect.get(data, 'summaryVersion');
  if (typeof version !== 'number' || !READABLE_VERSIONS.includes(version)) {
    throw new InputError(file, `summary version ${JSON.stringify(version) ?? 'missing'} is not supported (this dpskew reads ${READABLE_VERSIONS.slice(0, -1).join(', ')} and ${READABLE_VERSIONS[READABLE_VERSIONS.length - 1] ?? ''})`);
  }
  const checked = checkSummary(data);
  if (checked.problem !== null) throw new InputError(file, checked.problem);
  return checked.value;
}

/** A summary and the file it was read from. */
export interface SummaryFile {
  readonly file: string;
  readonly summary: Summary;
}

/** Something worth saying about an input that is not an error: the result is right. */
export interface InputNote {
  readonly path: string;
  readonly message: string;
}

/**
 * What an input was, to tell the same data given twice: its worker and name, and its size and line
 * counts as read. Two different logs that agree on all of them are not told apart (and so not
 * merged twice); a log read again after it grew is another input.
 */
function inputIdentity(input: InputSummary): string {
  const { lines } = input;
  return JSON.stringify([input.worker, input.name, input.gzip, input.bytes, lines.linesRead, lines.recognised, lines.batchLines, lines.layoutLines, lines.ignored, lines.unparseable, lines.oversized, input.error]);
}

/**
 * The summaries to merge so that each input counts once (`merge s.json copy-of-s.json` used to
 * double every count). A summary whose inputs were all read already, in this run (`read`) or in a
 * summary taken before it, adds nothing: it is left out, with a note (a copy; a summary of part of
 * another, as `merge ab.json a.json` gives). Summaries with more inputs are considered first, so the
 * order of the arguments does not matter for that. One that shares only some of its inputs cannot
 * be split: it is left out, as an error. The summaries taken keep their order.
 */
export function distinctSummaries(
  summaries: readonly SummaryFile[],
  read: readonly InputSummary[],
): { readonly taken: SummaryFile[]; readonly notes: InputNote[]; readonly errors: InputError[] } {
  /** identity → where that input was counted ('' for this run's own reading) */
  const counted = new Map<string, string>();
  for (const input of read) counted.set(inputIdentity(input), '');
  const notes: InputNote[] = [];
  const errors: InputError[] = [];
  const taken = new Set<SummaryFile>();
  const largestFirst = summaries.map((s, i) => ({ s, i })).sort((a, b) => b.s.summary.inputs.length - a.s.summary.inputs.length || a.i - b.i);
  for (const { s } of largestFirst) {
    const identities = s.summary.inputs.map(inputIdentity);
    const where = identities.map((id) => counted.get(id));
    const already = where.filter((w) => w !== undefined);
    if (identities.length > 0 && already.length === identities.length) {
      const places = [...new Set(already)].map((w) => (w === '' ? 'the logs read here' : w));
      notes.push({ path: s.file, message: `every input of it is already in ${places.join(', ')}: left out, so each input counts once` });
      continue;
    }
    const shared = where.findIndex((w) => w !== undefined);
    if (shared !== -1) {
      const place = where[shared] === '' ? 'the logs read here' : where[shared];
      errors.push(new InputError(s.file, `input ${s.summary.inputs[shared]?.name ?? ''} is also in ${place ?? ''}: its counts would be doubled, so this summary is left out (merge summaries of disjoint inputs)`));
      continue;
    }
    for (const id of identities) counted.set(id, s.file);
    taken.add(s);
  }
  return { taken: summaries.filter((s) => taken.has(s)), notes, errors };
}

/** Workers of several summaries, those with the same name merged, in name order. */
export function workersFromSummaries(summaries: readonly Summary[]): WorkerState[] {
  const byName = new Map<string, WorkerState>();
  for (const summary of summaries) {
    for (const json of summary.workers) {
      const state = WorkerState.fromJSON(json, summary.summaryVersion);
      const existing = byName.get(state.name);
      if (existing === undefined) byName.set(state.name, state);
      else existing.merge(state);
    }
  }
  return [...byName.values()];
}
