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
import { EngineStatsAccumulator } from '../aggregate/engine-stats.ts';
import { IntHistogram } from '../aggregate/int-histogram.ts';
import { BucketSeries, type DenseBuckets } from '../aggregate/bucket-series.ts';
import { BUCKET_MS, RankAccumulator } from '../aggregate/rank-accumulator.ts';
import { RequestAccumulator } from '../aggregate/requests.ts';
import { RoutingAccumulator, type RoutingTally } from '../aggregate/routing.ts';
import { labelKey, PhaseState, WorkerState } from '../aggregate/worker-state.ts';
import { InputError } from '../model/errors.ts';
import type { LayoutRecord, NoticeRecord, Phase, RoutingRecord } from '../model/records.ts';
import type { InputSummary } from '../model/report.ts';
import { checkSummary } from './validate.ts';

export const SUMMARY_FORMAT = 'dpskew-summary';
/**
 * 3: a DP rank's lines keyed by their TP, PP and ATTN_CP labels together (worker-state.ts labelKey),
 * where 2 keyed them by TP and kept no PP>0 lines; 2: buckets as one flat array. 1 and 2 are still read.
 */
export const SUMMARY_VERSION = 3;
const READABLE_VERSIONS: readonly number[] = [1, 2, SUMMARY_VERSION];
export const SUMMARY_EMPTY = 'not a dpskew summary: the file is empty';
export const SUMMARY_FORMAT_MISSING = `not a dpskew summary (write one with --save): no "format": "${SUMMARY_FORMAT}"`;
export const SUMMARY_INTERRUPTED = 'saved by an interrupted run (Ctrl-C): its numbers cover only what was read, so the report is partial';

export interface Summary {
  readonly format: typeof SUMMARY_FORMAT;
  readonly summaryVersion: number;
  readonly tool: { readonly name: 'dpskew'; readonly version: string };
  /** settings that changed what was read; merging summaries read differently is refused */
  readonly settings: SummarySettings;
  readonly inputs: readonly InputSummary[];
  readonly skippedFiles: readonly string[];
  readonly workers: readonly WorkerJson[];
  /** present, true, when the run that wrote it was interrupted: its numbers cover only what was read */
  readonly interrupted?: true;
}

export interface SummarySettings {
  readonly timezone: string;
  readonly engine: string;
  readonly patterns: readonly string[];
  readonly timeRange: { readonly since: number | null; readonly until: number | null } | null;
  readonly maxLineBytes: number;
}

type Histogram = ReadonlyArray<readonly [number, number]>;

interface RankJson {
  readonly batches: number;
  readonly newTokens: number;
  readonly newSeqs: number;
  readonly cachedTokens: number;
  readonly queue: Histogram;
  readonly running: Histogram;
  readonly firstTime: number | null;
  readonly lastTime: number | null;
  /**
   * bucket index, batches, new tokens, max queue, for each bucket in index order, in one flat array
   * (version 1: one array per bucket; between threads: the series' own layout, DenseBuckets, whose
   * arrays are handed over without a copy)
   */
  readonly buckets: ReadonlyArray<number> | ReadonlyArray<readonly [number, number, number, number]> | DenseBuckets;
  /** width of each bucket, when wider than 5 s (a long span: bucket-series.ts); each index is the 5-s bucket it starts at */
  readonly bucketSeconds?: number;
  readonly unbucketed: number;
  readonly queuedLines: number;
  readonly runningMinWhenQueued: number | null;
  readonly runningMaxWhenQueued: number | null;
}

interface PhaseJson {
  /** [dp, [[label key, rank]]] (version 2 and older: [dp, [[tp or -1, rank]]]) */
  readonly byDp: ReadonlyArray<readonly [number, ReadonlyArray<readonly [number, RankJson]>]>;
  readonly unlabeled: RankJson;
  readonly pipelineDuplicates: number;
  readonly dpMinusOne: number;
  readonly legacyLines: number;
  readonly nonZeroTpLines: number;
  readonly rankOverflow: number;
  readonly lines: number;
}

interface EngineJson {
  readonly samples: number;
  /** the estimate in tokens (for reading); `promptMicroTokens` is the exact value merges use */
  readonly promptTokens: number;
  /** exact Σ in millionths of a token, as decimal digits (absent in summaries before 0.2) */
  readonly promptMicroTokens?: string;
  /** the last timed sample and the first one, for the interval across a merge (absent before 0.2) */
  readonly previousTime?: number | null;
  readonly firstTimed?: { readonly time: number; readonly milliThroughput: number | null } | null;
  readonly waiting: Histogram;
  readonly running: Histogram;
  readonly firstTime: number | null;
  readonly lastTime: number | null;
}

interface TallyJson {
  readonly decisions: number;
  readonly ranks: Histogram;
  readonly none: number;
  readonly sentinel: number;
  readonly absent: number;
  readonly routerModes: readonly string[];
  readonly sources: readonly RoutingRecord['source'][];
  readonly firstTime: number | null;
  readonly lastTime: number | null;
}

interface RequestTallyJson {
  readonly lines: number;
  readonly none: number;
  readonly sentinel: number;
  readonly absent: number;
  readonly ranks: Histogram;
  readonly executed: Histogram;
  readonly roomMods: ReadonlyArray<readonly [number, readonly number[]]>;
  readonly rooms: number;
}

export interface WorkerJson {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly layouts: readonly LayoutRecord[];
  readonly phases: Readonly<Record<Phase, PhaseJson>>;
  readonly engineStats: ReadonlyArray<readonly [number, EngineJson]>;
  readonly aggregatedStatsLines: number;
  readonly unrankedStatsLines: number;
  readonly routing: { readonly byWorker: ReadonlyArray<readonly [string, TallyJson]>; readonly sentinelExamples: readonly string[] };
  readonly notices: readonly NoticeRecord['notice'][];
  readonly requests: ReadonlyArray<readonly [string, RequestTallyJson]>;
  readonly requestSentinelExamples: readonly string[];
  readonly batchRanksByFamily: ReadonlyArray<readonly [string, readonly number[]]>;
  readonly batchLinesByFamily: ReadonlyArray<readonly [string, number]>;
  /** TensorRT-LLM currank_total_requests sums (version 3; absent before) */
  readonly fetchedRequests?: number;
  readonly fetchedTotal?: number;
}

/** @param interrupted the run stopped before reading everything (Ctrl-C): written only then, so other summaries stay as they were */
export function toSummary(
  workers: readonly WorkerState[],
  inputs: readonly InputSummary[],
  skippedFiles: readonly string[],
  settings: SummarySettings,
  version: string,
  interrupted = false,
): Summary {
  const summary: Summary = { format: SUMMARY_FORMAT, summaryVersion: SUMMARY_VERSION, tool: { name: 'dpskew', version }, settings, inputs, skippedFiles, workers: workers.map((w) => workerToJson(w)) };
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
      const state = workerFromJson(json, summary.summaryVersion);
      const existing = byName.get(state.name);
      if (existing === undefined) byName.set(state.name, state);
      else mergeWorker(existing, state);
    }
  }
  return [...byName.values()];
}

/** Add `from` (another part of the same worker) into `into`. */
export function mergeWorker(into: WorkerState, from: WorkerState): void {
  mergeWorkerState(into, from);
  into.inputs.push(...from.inputs);
}

/**
 * Add `from`, the part of the same worker's log that comes after `into`'s (the next byte range of
 * a file, the next file), without touching the input names: the result equals reading both in order.
 */
export function mergeWorkerState(into: WorkerState, from: WorkerState): void {
  into.layouts.push(...from.layouts);
  for (const phase of ['prefill', 'decode'] as const) into.phases[phase].merge(from.phases[phase]);
  for (const [rank, acc] of from.engineStats) {
    const mine = into.engineStats.get(rank);
    if (mine === undefined) into.engineStats.set(rank, acc);
    else mine.merge(acc);
  }
  into.aggregatedStatsLines += from.aggregatedStatsLines;
  into.unrankedStatsLines += from.unrankedStatsLines;
  into.routing.merge(from.routing);
  into.requests.merge(from.requests);
  for (const notice of from.notices) into.notices.add(notice);
  for (const [family, ranks] of from.batchRanksByFamily) {
    const mine = into.batchRanksByFamily.get(family) ?? new Set<number>();
    for (const r of ranks) mine.add(r);
    into.batchRanksByFamily.set(family, mine);
  }
  into.batchLinesByFamily.merge(from.batchLinesByFamily);
  into.fetchedRequests += from.fetchedRequests;
  into.fetchedTotal += from.fetchedTotal;
}

// ---------------------------------------------------------------------------------------------

function histogramToJson(h: IntHistogram): Histogram {
  return [...h.entries()].sort((a, b) => a[0] - b[0]);
}

function histogramFromJson(pairs: Histogram): IntHistogram {
  const h = new IntHistogram();
  for (const [value, count] of pairs) h.addMany(value, count);
  return h;
}

/** How bucket arrays are written: `json` (plain arrays) or `transfer` (Float64Arrays, collected in `buffers`). */
interface BucketEncoding {
  readonly buffers: ArrayBuffer[] | null;
}

const AS_JSON: BucketEncoding = { buffers: null };

function rankToJson(a: RankAccumulator, encoding: BucketEncoding = AS_JSON): RankJson {
  return {
    batches: a.batches,
    newTokens: a.newTokens,
    newSeqs: a.newSeqs,
    cachedTokens: a.cachedTokens,
    queue: histogramToJson(a.queue),
    running: histogramToJson(a.running),
    firstTime: a.firstTime,
    lastTime: a.lastTime,
    buckets: bucketsToJson(a, encoding),
    ...(a.buckets.width === 1 ? {} : { bucketSeconds: (a.buckets.width * BUCKET_MS) / 1000 }),
    unbucketed: a.unbucketed,
    queuedLines: a.queuedLines,
    runningMinWhenQueued: a.runningMinWhenQueued,
    runningMaxWhenQueued: a.runningMaxWhenQueued,
  };
}

/** Flat (index, batches, new tokens, max queue) for a summary; the series' layout between threads. */
function bucketsToJson(a: RankAccumulator, encoding: BucketEncoding): number[] | DenseBuckets {
  if (encoding.buffers === null) {
    const out: number[] = [];
    a.buckets.forEach((i, batches, newTokens, maxQueue) => out.push(i, batches, newTokens, maxQueue));
    return out;
  }
  const dense = a.buckets.toDense();
  encoding.buffers.push(dense.dense.buffer as ArrayBuffer, dense.stray.buffer as ArrayBuffer);
  return dense;
}

function rankFromJson(j: RankJson): RankAccumulator {
  const a = new RankAccumulator();
  a.batches = j.batches;
  a.newTokens = j.newTokens;
  a.newSeqs = j.newSeqs;
  a.cachedTokens = j.cachedTokens;
  a.queue.merge(histogramFromJson(j.queue));
  a.running.merge(histogramFromJson(j.running));
  a.firstTime = j.firstTime;
  a.lastTime = j.lastTime;
  const buckets = j.buckets;
  if (!Array.isArray(buckets)) a.buckets = BucketSeries.fromDense(buckets as DenseBuckets);
  else a.buckets = BucketSeries.fromFlat((buckets as ReadonlyArray<number | readonly number[]>).flatMap((x) => x), ((j.bucketSeconds ?? 5) * 1000) / BUCKET_MS); // version 1: tuples
  a.unbucketed = j.unbucketed;
  a.queuedLines = j.queuedLines;
  a.runningMinWhenQueued = j.runningMinWhenQueued;
  a.runningMaxWhenQueued = j.runningMaxWhenQueued;
  return a;
}

function phaseToJson(p: PhaseState, encoding: BucketEncoding): PhaseJson {
  return {
    byDp: [...p.byDp.entries()].sort((a, b) => a[0] - b[0]).map(([dp, byTp]) => [dp, [...byTp.entries()].sort((a, b) => a[0] - b[0]).map(([tp, acc]) => [tp, rankToJson(acc, encoding)] as const)] as const),
    unlabeled: rankToJson(p.unlabeled, encoding),
    pipelineDuplicates: p.pipelineDuplicates,
    dpMinusOne: p.dpMinusOne,
    legacyLines: p.legacyLines,
    nonZeroTpLines: p.nonZeroTpLines,
    rankOverflow: p.rankOverflow,
    lines: p.lines,
  };
}

function phaseFromJson(j: PhaseJson, version: number): PhaseState {
  const p = new PhaseState();
  // Before version 3 the key was the TP label alone (−1: none).
  const keyOf = (key: number): number => (version >= 3 ? key : (labelKey(key < 0 ? undefined : key, undefined, undefined) ?? 0));
  for (const [dp, byLabel] of j.byDp) p.byDp.set(dp, new Map(byLabel.map(([key, acc]) => [keyOf(key), rankFromJson(acc)])));
  p.unlabeled.merge(rankFromJson(j.unlabeled));
  p.pipelineDuplicates = j.pipelineDuplicates;
  p.dpMinusOne = j.dpMinusOne;
  p.legacyLines = j.legacyLines;
  p.nonZeroTpLines = j.nonZeroTpLines;
  p.rankOverflow = j.rankOverflow;
  p.lines = j.lines;
  return p;
}

function engineToJson(a: EngineStatsAccumulator): EngineJson {
  return {
    samples: a.samples,
    promptTokens: a.promptTokens,
    promptMicroTokens: a.promptMicroTokens.toString(),
    previousTime: a.previousTime,
    firstTimed: a.firstTimed,
    waiting: histogramToJson(a.waiting),
    running: histogramToJson(a.running),
    firstTime: a.firstTime,
    lastTime: a.lastTime,
  };
}

function engineFromJson(j: EngineJson): EngineStatsAccumulator {
  const a = new EngineStatsAccumulator();
  a.samples = j.samples;
  a.promptMicroTokens = j.promptMicroTokens !== undefined && /^-?\d+$/.test(j.promptMicroTokens) ? BigInt(j.promptMicroTokens) : BigInt(Math.round(j.promptTokens * 1e6));
  a.previousTime = j.previousTime ?? null;
  a.firstTimed = j.firstTimed ?? null;
  a.waiting.merge(histogramFromJson(j.waiting));
  a.running.merge(histogramFromJson(j.running));
  a.firstTime = j.firstTime;
  a.lastTime = j.lastTime;
  return a;
}

function tallyToJson(t: RoutingTally): TallyJson {
  return {
    decisions: t.decisions,
    ranks: [...t.ranks.entries()].sort((a, b) => a[0] - b[0]),
    none: t.none,
    sentinel: t.sentinel,
    absent: t.absent,
    routerModes: [...t.routerModes].sort(),
    sources: [...t.sources].sort(),
    firstTime: t.firstTime,
    lastTime: t.lastTime,
  };
}

function tallyFromJson(j: TallyJson): RoutingTally {
  return { ...j, ranks: new Map(j.ranks.map(([r, n]) => [r, n])), routerModes: new Set(j.routerModes), sources: new Set(j.sources) };
}

/**
 * A worker's state as plain data. With `transfer`, bucket arrays are Float64Arrays whose buffers are
 * added to it, for postMessage to hand over without copying (they are unusable here afterwards).
 */
export function workerToJson(w: WorkerState, transfer: ArrayBuffer[] | null = null): WorkerJson {
  const encoding: BucketEncoding = transfer === null ? AS_JSON : { buffers: transfer };
  return {
    name: w.name,
    inputs: w.inputs,
    layouts: w.layouts,
    phases: { prefill: phaseToJson(w.phases.prefill, encoding), decode: phaseToJson(w.phases.decode, encoding) },
    engineStats: [...w.engineStats.entries()].sort((a, b) => a[0] - b[0]).map(([rank, acc]) => [rank, engineToJson(acc)] as const),
    aggregatedStatsLines: w.aggregatedStatsLines,
    unrankedStatsLines: w.unrankedStatsLines,
    routing: {
      byWorker: [...w.routing.byWorker.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([id, t]) => [id, tallyToJson(t)] as const),
      sentinelExamples: [...w.routing.sentinelExamples],
    },
    notices: [...w.notices].sort(),
    requests: [...w.requests.bySource.entries()].sort().map(([source, t]) => [
      source,
      {
        lines: t.lines,
        none: t.none,
        sentinel: t.sentinel,
        absent: t.absent,
        ranks: [...t.ranks.entries()].sort((a, b) => a[0] - b[0]),
        executed: [...t.executed.entries()].sort((a, b) => a[0] - b[0]),
        roomMods: [...t.roomMods.entries()].sort((a, b) => a[0] - b[0]),
        rooms: t.rooms,
      },
    ] as const),
    requestSentinelExamples: [...w.requests.sentinelExamples],
    batchRanksByFamily: [...w.batchRanksByFamily.entries()].sort().map(([f, ranks]) => [f, [...ranks].sort((a, b) => a - b)] as const),
    batchLinesByFamily: w.batchLinesByFamily.entries().sort(),
    fetchedRequests: w.fetchedRequests,
    fetchedTotal: w.fetchedTotal,
  };
}

/** @param version the summary version it was written in (threads exchange the current one) */
export function workerFromJson(j: WorkerJson, version = SUMMARY_VERSION): WorkerState {
  const w = new WorkerState(j.name);
  w.inputs.push(...j.inputs);
  // Layout lines of summaries before version 3 came from server_args only.
  w.layouts.push(...j.layouts.map((l) => ({ ...l, origin: l.origin ?? 'server_args', firstRank: l.firstRank ?? undefined, localRanks: l.localRanks ?? undefined })));
  w.phases.prefill.merge(phaseFromJson(j.phases.prefill, version));
  w.phases.decode.merge(phaseFromJson(j.phases.decode, version));
  w.fetchedRequests = j.fetchedRequests ?? 0;
  w.fetchedTotal = j.fetchedTotal ?? 0;
  for (const [rank, acc] of j.engineStats) w.engineStats.set(rank, engineFromJson(acc));
  w.aggregatedStatsLines = j.aggregatedStatsLines;
  w.unrankedStatsLines = j.unrankedStatsLines;
  const routing = new RoutingAccumulator();
  for (const [id, t] of j.routing.byWorker) routing.byWorker.set(id, tallyFromJson(t));
  for (const e of j.routing.sentinelExamples) routing.sentinelExamples.add(e);
  w.routing.merge(routing);
  for (const n of j.notices) w.notices.add(n);
  const requests = new RequestAccumulator();
  for (const [source, t] of j.requests) {
    if (source !== 'sglang-receive' && source !== 'sglang-finish' && source !== 'generic') continue;
    requests.bySource.set(source, {
      ...t,
      ranks: new Map(t.ranks.map(([r, n]) => [r, n])),
      executed: new Map(t.executed.map(([r, n]) => [r, n])),
      roomMods: new Map(t.roomMods.map(([m, c]) => [m, [...c]])),
    });
  }
  for (const e of j.requestSentinelExamples) requests.sentinelExamples.add(e);
  w.requests.merge(requests);
  for (const [f, ranks] of j.batchRanksByFamily) w.batchRanksByFamily.set(f, new Set(ranks));
  for (const [f, n] of j.batchLinesByFamily) w.batchLinesByFamily.add(f, n);
  return w;
}
