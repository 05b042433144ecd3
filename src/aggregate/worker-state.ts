/**
 * Per-worker accumulation with SGLang's counting rules,
 * applied by evidence so that a few torn or stray lines cost at most themselves:
 * - every pipeline stage (PP), context-parallel rank (ATTN_CP) and, with
 *   --enable-metrics-for-all-schedulers (v0.4.9.post3 – v0.5.9), every TP rank of a DP group logs
 *   the same batch. Lines are kept per DP rank and per label set (TP, PP, ATTN_CP); when the report
 *   is built (`resolve`), the label set carrying the most lines is the rank's own, and another label
 *   set is dropped as a duplicate only when it mirrors that one (the same batches in the same 5-s
 *   buckets). Anything else is more lines of the rank (a stray label, a second worker in one
 *   stream) and is counted. No label set wins by sorting first, and a rank is never dropped because
 *   its PP0/TP0 line is absent (an excerpt, a grep);
 * - lines without a DP label (or with v0.3.6's bogus `DP-1`) are kept apart until the worker's
 *   layout says whether they belong to its single rank (aggregate.ts).
 */
import type { BatchRecord, EngineStatsRecord, FoldedBatches, LayoutRecord, NoticeRecord, Phase } from '../model/records.ts';
import { EngineStatsAccumulator, type EngineJson } from './engine-stats.ts';
import { KeyCounts } from './key-counts.ts';
import { MetricSeriesAccumulator, type MetricSeriesJson } from './metric-series.ts';
import { RequestTraceAccumulator, type RequestTracesJson } from './request-traces.ts';
import { RankAccumulator, type RankJson } from './rank-accumulator.ts';
import { RequestAccumulator, type RequestTallyJson } from './requests.ts';
import { RoutingAccumulator, type RoutingJson } from './routing.ts';

/**
 * The version of the JSON below, as summaries number it: 3 keys a DP rank's lines by label set
 * (labelKey); 2 and 1 keyed them by TP label alone (−1: none) and kept no PP>0 lines.
 */
export const STATE_JSON_VERSION = 3;

/** A PhaseState as JSON. */
export interface PhaseJson {
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

/** A WorkerState as JSON: what a summary holds per worker, and what a read worker thread hands back. */
export interface WorkerJson {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly layouts: readonly LayoutRecord[];
  readonly phases: Readonly<Record<Phase, PhaseJson>>;
  readonly engineStats: ReadonlyArray<readonly [number, EngineJson]>;
  readonly aggregatedStatsLines: number;
  readonly unrankedStatsLines: number;
  readonly routing: RoutingJson;
  readonly notices: readonly NoticeRecord['notice'][];
  readonly requests: ReadonlyArray<readonly [string, RequestTallyJson]>;
  readonly requestSentinelExamples: readonly string[];
  readonly batchRanksByFamily: ReadonlyArray<readonly [string, readonly number[]]>;
  readonly batchLinesByFamily: ReadonlyArray<readonly [string, number]>;
  /** TensorRT-LLM currank_total_requests sums (version 3; absent before) */
  readonly fetchedRequests?: number;
  readonly fetchedTotal?: number;
  /** metrics-dump series (absent when the worker's inputs held none) */
  readonly metrics?: MetricSeriesJson;
  /** Dynamo request-trace tallies (absent when none) */
  readonly traces?: { readonly rows: RequestTracesJson; readonly unranked: number };
}

/**
 * Most distinct DP ranks kept per worker and phase. The largest real deployments have a few
 * hundred; past this, labels are garbage (torn lines, fuzz) and lines of further new ranks are
 * counted in `rankOverflow` (finding TOO_MANY_RANKS) instead of growing memory.
 */
export const MAX_RANKS = 4096;
/**
 * Most label sets (TP × PP × ATTN_CP) kept per DP rank, and per worker and phase in all. A DP
 * group of SGLang has tp_size / dp_size TP ranks times pp_size stages times attn_cp_size; 64 covers
 * every documented layout. Without the caps, garbled labels grew up to 4096 × 4096 accumulators
 * (5.1 GiB on 97 MB of log).
 */
export const MAX_LABELS_PER_RANK = 64;
export const MAX_LABELS = 2 * MAX_RANKS;

/** DP ranks below this get a lookup cache entry (PhaseState.recent). */
const RECENT_RANKS = 1024;
/** Lines of a phase before its lookup cache (PhaseState.recent) is kept. */
const CACHE_AFTER_LINES = 256;

/** Label values that fit the key: PP and ATTN_CP below 1023, TP below 2^32 (parsers read at most 9 digits). */
const LABEL_SLOT = 1024;

/** TP, PP and ATTN_CP labels as one number (an absent label is 0, label n is n + 1). `null` past the key's range. */
export function labelKey(tp: number | undefined, pp: number | undefined, attnCp: number | undefined): number | null {
  const t = tp === undefined ? 0 : tp + 1;
  const p = pp === undefined ? 0 : pp + 1;
  const c = attnCp === undefined ? 0 : attnCp + 1;
  if (t < 0 || p < 0 || c < 0 || p >= LABEL_SLOT || c >= LABEL_SLOT || t > 2 ** 32) return null;
  return (t * LABEL_SLOT + p) * LABEL_SLOT + c;
}

/** The labels of a key (`undefined` where absent). */
export function labelsOf(key: number): { readonly tp: number | undefined; readonly pp: number | undefined; readonly attnCp: number | undefined } {
  const c = key % LABEL_SLOT;
  const p = Math.floor(key / LABEL_SLOT) % LABEL_SLOT;
  const t = Math.floor(key / (LABEL_SLOT * LABEL_SLOT));
  return { tp: t === 0 ? undefined : t - 1, pp: p === 0 ? undefined : p - 1, attnCp: c === 0 ? undefined : c - 1 };
}

/** How a DP rank's label sets were resolved (PhaseState.resolve). */
export interface ResolvedPhase {
  /** the rank's lines: its own label set plus every set that does not mirror it */
  readonly ranks: ReadonlyMap<number, RankAccumulator>;
  /** lines of label sets that mirror the rank's own (the same batches logged again) */
  readonly duplicates: number;
}

/**
 * One DP rank's lines by label set (labelKey). Nearly every rank logs under one label set, which is
 * held here without a map: a map per rank cost ~200 bytes (10,000 small files, 40,000 ranks).
 */
export class LabelSets {
  /**
   * the first label set (−1, matching no key, while there is none: a summary may list a rank
   * without any; not NaN, which V8 would box in every LabelSets, 16 bytes each)
   */
  private firstKey = -1;
  private first: RankAccumulator | null = null;
  /** the other label sets, in the order they came */
  private more: Map<number, RankAccumulator> | null = null;

  get size(): number {
    return (this.first === null ? 0 : 1) + (this.more?.size ?? 0);
  }

  get(key: number): RankAccumulator | undefined {
    return key === this.firstKey ? (this.first ?? undefined) : this.more?.get(key);
  }

  /** Adds a label set not held yet. */
  add(key: number, acc: RankAccumulator): void {
    if (this.first === null) {
      this.firstKey = key;
      this.first = acc;
    } else (this.more ??= new Map()).set(key, acc);
  }

  /** The only label set, `null` when there are none or several. */
  sole(): RankAccumulator | null {
    return this.more === null ? this.first : null;
  }

  /** [label key, lines] in the order the sets came. */
  entries(): Array<[number, RankAccumulator]> {
    const all: Array<[number, RankAccumulator]> = this.first === null ? [] : [[this.firstKey, this.first]];
    if (this.more !== null) for (const entry of this.more) all.push(entry);
    return all;
  }

  /** Packs every label set's small histograms and buckets (RankAccumulator.pack). */
  pack(): void {
    this.first?.pack();
    if (this.more !== null) for (const acc of this.more.values()) acc.pack();
  }

  [Symbol.iterator](): Iterator<[number, RankAccumulator]> {
    return this.entries()[Symbol.iterator]();
  }
}

/** Shared by every phase state without a labelled line, and every resolution without a rank: never written. */
const NO_RANKS: ReadonlyMap<number, never> = new Map<number, never>();

/**
 * One phase of one worker's batch lines. Every worker has two, and most workers of a fleet run
 * one phase: nothing is allocated until the first line of its kind (10,000 small files: ~1 KiB
 * less a worker).
 */
export class PhaseState {
  /** dp → its lines by label set; `null` until the first labelled line */
  private dps: Map<number, LabelSets> | null = null;
  /** lines without a DP label (or with DP-1); `null` until the first */
  private loose: RankAccumulator | null = null;
  /** lines dropped as PP>0/ATTN_CP>0 duplicates by summaries of version 2 or older (kept apart there) */
  pipelineDuplicates = 0;
  dpMinusOne = 0;
  legacyLines = 0;
  /** lines whose TP label is not 0 */
  nonZeroTpLines = 0;
  /** lines of ranks or label sets beyond the caps, not counted anywhere else */
  rankOverflow = 0;
  lines = 0;
  /** label sets held, over all DP ranks */
  private labelSets = 0;
  /**
   * per dp below RECENT_RANKS: its label sets, without a map lookup (a cache), kept once the phase
   * has CACHE_AFTER_LINES lines: a small worker's map lookups cost nothing worth an array
   * (10,000 small files: 170 bytes a worker); `null` until then
   */
  private recent: Array<LabelSets | undefined> | null = null;

  /** Packs small ranks (RankAccumulator.pack): for a worker whose files are read. */
  pack(): void {
    if (this.dps !== null) for (const sets of this.dps.values()) sets.pack();
    this.loose?.pack();
  }

  /** dp → label key (labelKey) → totals */
  get byDp(): ReadonlyMap<number, LabelSets> {
    return this.dps ?? NO_RANKS;
  }

  /** Lines without a DP label, `null` when there were none. */
  get unlabeled(): RankAccumulator | null {
    return this.loose;
  }

  add(record: BatchRecord): void {
    this.accumulatorFor(record.ranks, 1, record.legacy)?.add(record);
  }

  /** Adds lines the kernel folded: the same as adding each of them (`add`) in order. */
  addFolded(folded: FoldedBatches): void {
    this.accumulatorFor(folded.ranks, folded.lines, false)?.addFolded(folded);
  }

  /** Counts `lines` lines with these labels; the accumulator they go to, `null` when none (counted apart). */
  private accumulatorFor(ranks: FoldedBatches['ranks'], lines: number, legacy: boolean): RankAccumulator | null {
    this.lines += lines;
    if (legacy) this.legacyLines += lines;
    const { dp, tp } = ranks;
    if (dp === undefined || dp < 0) {
      if (dp !== undefined) this.dpMinusOne += lines;
      return (this.loose ??= new RankAccumulator());
    }
    if (tp !== undefined && tp !== 0) this.nonZeroTpLines += lines;
    const key = labelKey(tp, ranks.pp, ranks.attnCp);
    if (key === null) {
      this.rankOverflow += lines;
      return null;
    }
    // The label sets of this dp without a map lookup: lines cycle over a worker's ranks.
    const cached = dp < RECENT_RANKS ? this.recent?.[dp] : undefined;
    const held = cached?.get(key);
    if (held !== undefined) return held;
    const acc = this.slot(dp, key);
    if (acc === null) {
      this.rankOverflow += lines;
      return null;
    }
    if (dp < RECENT_RANKS && this.lines >= CACHE_AFTER_LINES) (this.recent ??= [])[dp] = this.dps?.get(dp);
    return acc;
  }

  /** The accumulator of (dp, label key), made if the caps allow; `null` when they do not. */
  private slot(dp: number, key: number): RankAccumulator | null {
    const dps = (this.dps ??= new Map());
    const byLabel = dps.get(dp);
    if (byLabel === undefined) {
      if (dps.size >= MAX_RANKS || dp >= MAX_RANKS * 16 || this.labelSets >= MAX_LABELS) return null;
      const acc = new RankAccumulator();
      const sets = new LabelSets();
      sets.add(key, acc);
      dps.set(dp, sets);
      this.labelSets++;
      return acc;
    }
    let acc = byLabel.get(key);
    if (acc === undefined) {
      if (byLabel.size >= MAX_LABELS_PER_RANK || this.labelSets >= MAX_LABELS) return null;
      acc = new RankAccumulator();
      byLabel.add(key, acc);
      this.labelSets++;
    }
    return acc;
  }

  /**
   * Add another part of the same worker's log (a merged summary, the next byte range). The caps
   * hold across parts: ranks and label sets that do not fit are counted in `rankOverflow`. Past the
   * caps, which ones are kept can differ from reading both parts in one go (garbage input,
   * TOO_MANY_RANKS).
   */
  merge(other: PhaseState): void {
    for (const [dp, byLabel] of other.byDp) {
      for (const [key, acc] of byLabel) {
        const into = this.dps?.get(dp)?.get(key);
        if (into !== undefined) {
          into.merge(acc);
          continue;
        }
        const made = this.slot(dp, key);
        if (made === null) this.rankOverflow += acc.batches;
        else made.merge(acc);
      }
    }
    if (other.loose !== null) (this.loose ??= new RankAccumulator()).merge(other.loose);
    this.pipelineDuplicates += other.pipelineDuplicates;
    this.dpMinusOne += other.dpMinusOne;
    this.legacyLines += other.legacyLines;
    this.nonZeroTpLines += other.nonZeroTpLines;
    this.rankOverflow += other.rankOverflow;
    this.lines += other.lines;
  }

  /** As plain data; with `transfer`, bucket buffers are handed over (RankAccumulator.toJSON). */
  toJSON(transfer: ArrayBuffer[] | null = null): PhaseJson {
    return {
      byDp: [...this.byDp.entries()].sort((a, b) => a[0] - b[0]).map(([dp, byLabel]) => [dp, byLabel.entries().sort((a, b) => a[0] - b[0]).map(([key, acc]) => [key, acc.toJSON(transfer)] as const)] as const),
      unlabeled: (this.loose ?? new RankAccumulator()).toJSON(transfer),
      pipelineDuplicates: this.pipelineDuplicates,
      dpMinusOne: this.dpMinusOne,
      legacyLines: this.legacyLines,
      nonZeroTpLines: this.nonZeroTpLines,
      rankOverflow: this.rankOverflow,
      lines: this.lines,
    };
  }

  /** @param version the JSON's version (STATE_JSON_VERSION): before 3 a rank's key was its TP label */
  static fromJSON(j: PhaseJson, version: number = STATE_JSON_VERSION): PhaseState {
    const p = new PhaseState();
    const keyOf = (key: number): number => (version >= 3 ? key : (labelKey(key < 0 ? undefined : key, undefined, undefined) ?? 0));
    for (const [dp, byLabel] of j.byDp) {
      const sets = new LabelSets();
      for (const [key, acc] of byLabel) sets.add(keyOf(key), RankAccumulator.fromJSON(acc));
      (p.dps ??= new Map()).set(dp, sets);
      p.labelSets += byLabel.length;
    }
    const loose = RankAccumulator.fromJSON(j.unlabeled);
    if (!loose.isEmpty()) p.loose = loose;
    p.pipelineDuplicates = j.pipelineDuplicates;
    p.dpMinusOne = j.dpMinusOne;
    p.legacyLines = j.legacyLines;
    p.nonZeroTpLines = j.nonZeroTpLines;
    p.rankOverflow = j.rankOverflow;
    p.lines = j.lines;
    return p;
  }

  /**
   * Each DP rank's lines: the label set with the most lines is the rank's own (ties: PP0 and
   * ATTN_CP0 first, then the lowest TP, an absent label last), and every other set is either a
   * mirror of it (dropped as a duplicate) or more lines of the rank (added). A rank of one label
   * set is that set's accumulator itself, others are fresh ones: the state is not changed, and the
   * ranks must not be (a report is built from them, then the state reads on: watch).
   */
  resolve(): ResolvedPhase {
    if (this.dps === null) return { ranks: NO_RANKS, duplicates: this.pipelineDuplicates };
    const ranks = new Map<number, RankAccumulator>();
    let duplicates = this.pipelineDuplicates;
    for (const [dp, byLabel] of this.dps) {
      const sole = byLabel.sole();
      if (sole !== null) {
        ranks.set(dp, sole);
        continue;
      }
      const sets = byLabel.entries().sort(([ka, a], [kb, b]) => b.batches - a.batches || labelOrder(ka) - labelOrder(kb));
      const own = sets[0]?.[1];
      if (own === undefined) continue;
      const rank = new RankAccumulator();
      rank.merge(own);
      for (const [, acc] of sets.slice(1)) {
        if (mirrors(acc, own)) duplicates += acc.batches;
        else rank.merge(acc);
      }
      ranks.set(dp, rank);
    }
    return { ranks, duplicates };
  }
}

/** Tie order of label sets: PP0/ATTN_CP0 (or absent) before higher stages, then the lowest TP, absent TP last. */
function labelOrder(key: number): number {
  const { tp, pp, attnCp } = labelsOf(key);
  return ((pp ?? 0) * LABEL_SLOT + (attnCp ?? 0)) * 2 ** 33 + (tp === undefined ? 2 ** 32 : tp);
}

/**
 * Whether `copy` logs the same batches as `own`: as many lines (within MIRROR_TOLERANCE) in the
 * same 5-s buckets, or, for untimed lines, with the same Σ #new-token and the same peak queue.
 * Duplicate loggers print one batch on every TP rank, pipeline stage or CP rank at the same moment
 * with the same counters; two workers of one stream, or a torn or stray line, do not.
 */
export function mirrors(copy: RankAccumulator, own: RankAccumulator): boolean {
  const tolerance = Math.max(MIRROR_MIN_LINES, Math.ceil(own.batches * MIRROR_TOLERANCE));
  if (Math.abs(copy.batches - own.batches) > tolerance) return false;
  if (own.buckets.size > 0 || copy.buckets.size > 0) return bucketDistance(copy, own) <= tolerance;
  return Math.abs(copy.newTokens - own.newTokens) <= Math.max(1, own.newTokens * MIRROR_TOLERANCE) && copy.queue.max === own.queue.max;
}

/**
 * Lines two mirrored logs may differ by: a log cut between the copies of its last batch, a torn
 * line, a copy logged a moment later across a bucket boundary. 2 % and at least 2 lines.
 */
const MIRROR_TOLERANCE = 0.02;
const MIRROR_MIN_LINES = 2;

/** Σ over 5-s buckets of |a − b| batches, plus the difference in lines held in no bucket (untimed). */
function bucketDistance(a: RankAccumulator, b: RankAccumulator): number {
  const counts = new Map<number, number>();
  let inA = 0;
  a.buckets.forEach((index, batches) => {
    counts.set(index, batches);
    inA += batches;
  });
  let distance = 0;
  let inB = 0;
  b.buckets.forEach((index, batches) => {
    distance += Math.abs((counts.get(index) ?? 0) - batches);
    counts.delete(index);
    inB += batches;
  });
  for (const rest of counts.values()) distance += rest;
  return distance + Math.abs(a.batches - inA - (b.batches - inB));
}
/**
 * The ranks below RECENT_RANKS already in `owner`'s lastFamilyRanks (a Set.add per line costs ~15
 * ns): one per thread for the worker state taking lines now, not 1 KiB in every worker state
 * (10,000 small files: 12 MiB).
 */
const familySeen: { owner: WorkerState | null; readonly ranks: Uint8Array } = { owner: null, ranks: new Uint8Array(RECENT_RANKS) };

/** Up to this many input names, a worker's array of them is exactly their length (WorkerState.addInput). */
const EXACT_INPUTS = 64;

const NO_ENGINES: ReadonlyMap<number, EngineStatsAccumulator> = new Map();
const NO_NOTICES: ReadonlySet<NoticeRecord['notice']> = new Set();
const NO_FAMILIES: ReadonlyMap<string, ReadonlySet<number>> = new Map();

/**
 * One worker's lines. A worker of a fleet logs a few kinds of line out of many: the containers
 * of the others are made on their first line, so a worker costs little beyond what it logged
 * (10,000 small files, each its own worker: 3.3 KiB each before anything was read, 10 KiB read).
 */
export class WorkerState {
  /** (not readonly: `pack` and `addInput` replace them with arrays of exactly their length) */
  inputs: string[] = [];
  layouts: LayoutRecord[] = [];
  readonly phases: Record<Phase, PhaseState> = { prefill: new PhaseState(), decode: new PhaseState() };
  /** `N Engines Aggregated:` lines: per-rank data absent */
  aggregatedStatsLines = 0;
  /** V0/early-V1 stats lines without an engine index, counted as engine 0 */
  unrankedStatsLines = 0;
  readonly routing = new RoutingAccumulator();
  readonly requests = new RequestAccumulator();
  readonly batchLinesByFamily = new KeyCounts();
  /** TensorRT-LLM `currank_total_requests = a/b`: Σa (this worker's logging rank) and Σb (all ranks) */
  fetchedRequests = 0;
  fetchedTotal = 0;
  /** metrics dumps: per-rank series (Prometheus text, HTTP API JSON, /v1/loads) */
  readonly metrics = new MetricSeriesAccumulator();
  /** Dynamo request traces: requests per phase, worker and rank */
  readonly traces = new RequestTraceAccumulator();
  name: string;
  private engines: Map<number, EngineStatsAccumulator> | null = null;
  private noticesSeen: Set<NoticeRecord['notice']> | null = null;
  /** the first family's batch ranks (most workers log one family: no map for it, ~180 bytes), then the others' */
  private firstFamily = '';
  private firstRanks: Set<number> | null = null;
  private familyRanks: Map<string, Set<number>> | null = null;
  private lastFamily = '';
  private lastFamilyRanks: Set<number> | undefined = undefined;
  constructor(name: string) {
    this.name = name;
  }

  /** vLLM `Engine NNN:` samples per engine (= DP rank) */
  get engineStats(): ReadonlyMap<number, EngineStatsAccumulator> {
    return this.engines ?? NO_ENGINES;
  }

  get notices(): ReadonlySet<NoticeRecord['notice']> {
    return this.noticesSeen ?? NO_NOTICES;
  }

  addNotice(notice: NoticeRecord['notice']): void {
    (this.noticesSeen ??= new Set()).add(notice);
  }

  /** ranks seen per parser family on batch lines (TensorRT-LLM logs only rank 0 by default), in the order the families came */
  get batchRanksByFamily(): ReadonlyMap<string, ReadonlySet<number>> {
    if (this.firstRanks === null) return NO_FAMILIES;
    const all = new Map<string, ReadonlySet<number>>([[this.firstFamily, this.firstRanks]]);
    if (this.familyRanks !== null) for (const [family, ranks] of this.familyRanks) all.set(family, ranks);
    return all;
  }

  /** The ranks seen on `family`'s batch lines, to add to. */
  private ranksOf(family: string): Set<number> {
    if (this.firstRanks === null) {
      this.firstFamily = family;
      this.firstRanks = new Set();
    }
    if (family === this.firstFamily) return this.firstRanks;
    const all = (this.familyRanks ??= new Map());
    let ranks = all.get(family);
    if (ranks === undefined) {
      ranks = new Set();
      all.set(family, ranks);
    }
    return ranks;
  }

  addBatch(record: BatchRecord, family: string): void {
    this.phases[record.phase].add(record);
    this.countBatchLines(family, record.ranks.dp, 1);
    if (record.fetchedTotal !== undefined && record.fetched !== undefined && record.fetched <= record.fetchedTotal) {
      this.fetchedRequests += record.fetched;
      this.fetchedTotal += record.fetchedTotal;
    }
  }

  /** Adds batch lines the kernel folded: the same as adding each of them (`addBatch`) in order. */
  addFoldedBatches(folded: FoldedBatches, family: string): void {
    this.phases[folded.phase].addFolded(folded);
    this.countBatchLines(family, folded.ranks.dp, folded.lines);
  }

  private countBatchLines(family: string, dp: number | undefined, lines: number): void {
    this.batchLinesByFamily.add(family, lines);
    if (dp === undefined) return;
    if (family !== this.lastFamily || this.lastFamilyRanks === undefined || familySeen.owner !== this) {
      this.lastFamily = family;
      this.lastFamilyRanks = this.ranksOf(family);
      familySeen.owner = this;
      familySeen.ranks.fill(0);
    }
    if (dp >= 0 && dp < RECENT_RANKS && Number.isInteger(dp)) {
      if (familySeen.ranks[dp] === 1) return;
      familySeen.ranks[dp] = 1;
    }
    this.lastFamilyRanks.add(dp);
  }

  /**
   * Add `from`, the part of the same worker's log that comes after this one's (the next byte range
   * of a file, the next file), without touching the input names: the result equals reading both in
   * order.
   */
  append(from: WorkerState): void {
    this.layouts.push(...from.layouts);
    for (const phase of ['prefill', 'decode'] as const) this.phases[phase].merge(from.phases[phase]);
    for (const [rank, acc] of from.engineStats) {
      const engines = (this.engines ??= new Map());
      const mine = engines.get(rank);
      if (mine === undefined) engines.set(rank, acc);
      else mine.merge(acc);
    }
    this.aggregatedStatsLines += from.aggregatedStatsLines;
    this.unrankedStatsLines += from.unrankedStatsLines;
    this.routing.merge(from.routing);
    this.requests.merge(from.requests);
    for (const notice of from.notices) this.addNotice(notice);
    for (const [family, ranks] of from.batchRanksByFamily) {
      const mine = this.ranksOf(family);
      for (const r of ranks) mine.add(r);
    }
    this.batchLinesByFamily.merge(from.batchLinesByFamily);
    this.fetchedRequests += from.fetchedRequests;
    this.fetchedTotal += from.fetchedTotal;
    this.metrics.append(from.metrics);
    this.traces.merge(from.traces);
  }

  /**
   * Packs the small ranks' histograms and buckets into one array each (RankAccumulator.pack): for
   * a worker whose files are read, held until the report (10,000 small files). Adding to it later
   * unpacks what it adds to.
   */
  pack(): void {
    this.phases.prefill.pack();
    this.phases.decode.pack();
    // push leaves room for ~16 more (~150 bytes a worker)
    this.layouts = this.layouts.slice();
  }

  /** Names one more input of this worker, in an array of exactly their number (a worker of 10,000 has one or two). */
  addInput(name: string): void {
    if (this.inputs.length < EXACT_INPUTS) this.inputs = this.inputs.concat(name);
    else this.inputs.push(name);
  }

  /** Add another part of the same worker (a summary's, another input's), its input names included. */
  merge(from: WorkerState): void {
    this.append(from);
    this.inputs.push(...from.inputs);
  }

  /**
   * As plain data. With `transfer`, bucket arrays are Float64Arrays whose buffers are added to it,
   * for postMessage to hand over without copying (they are unusable here afterwards).
   */
  toJSON(transfer: ArrayBuffer[] | null = null): WorkerJson {
    return {
      name: this.name,
      inputs: this.inputs,
      layouts: this.layouts,
      phases: { prefill: this.phases.prefill.toJSON(transfer), decode: this.phases.decode.toJSON(transfer) },
      engineStats: [...this.engineStats.entries()].sort((a, b) => a[0] - b[0]).map(([rank, acc]) => [rank, acc.toJSON()] as const),
      aggregatedStatsLines: this.aggregatedStatsLines,
      unrankedStatsLines: this.unrankedStatsLines,
      routing: this.routing.toJSON(),
      notices: [...this.notices].sort(),
      requests: this.requests.toJSON(),
      requestSentinelExamples: [...this.requests.sentinelExamples],
      batchRanksByFamily: [...this.batchRanksByFamily.entries()].sort().map(([f, ranks]) => [f, [...ranks].sort((a, b) => a - b)] as const),
      batchLinesByFamily: this.batchLinesByFamily.entries().sort(),
      fetchedRequests: this.fetchedRequests,
      fetchedTotal: this.fetchedTotal,
      ...(this.metrics.series.size > 0 || this.metrics.sawTimeLine ? { metrics: this.metrics.toJSON() } : {}),
      ...(this.traces.tallies.size > 0 || this.traces.unranked > 0 ? { traces: this.traces.toJSON() } : {}),
    };
  }

  /** @param version the JSON's version (STATE_JSON_VERSION; summaries say theirs) */
  static fromJSON(j: WorkerJson, version: number = STATE_JSON_VERSION): WorkerState {
    const w = new WorkerState(j.name);
    w.inputs.push(...j.inputs);
    // Layout lines of summaries before version 3 came from server_args only.
    w.layouts.push(...j.layouts.map((l) => ({ ...l, origin: l.origin ?? 'server_args', firstRank: l.firstRank ?? undefined, localRanks: l.localRanks ?? undefined })));
    w.phases.prefill.merge(PhaseState.fromJSON(j.phases.prefill, version));
    w.phases.decode.merge(PhaseState.fromJSON(j.phases.decode, version));
    w.fetchedRequests = j.fetchedRequests ?? 0;
    w.fetchedTotal = j.fetchedTotal ?? 0;
    for (const [rank, acc] of j.engineStats) (w.engines ??= new Map()).set(rank, EngineStatsAccumulator.fromJSON(acc));
    w.aggregatedStatsLines = j.aggregatedStatsLines;
    w.unrankedStatsLines = j.unrankedStatsLines;
    w.routing.merge(RoutingAccumulator.fromJSON(j.routing));
    for (const n of j.notices) w.addNotice(n);
    w.requests.merge(RequestAccumulator.fromJSON(j.requests, j.requestSentinelExamples));
    for (const [f, ranks] of j.batchRanksByFamily) {
      const mine = w.ranksOf(f);
      for (const r of ranks) mine.add(r);
    }
    for (const [f, n] of j.batchLinesByFamily) w.batchLinesByFamily.add(f, n);
    if (j.metrics !== undefined) w.metrics.append(MetricSeriesAccumulator.fromJSON(j.metrics));
    if (j.traces !== undefined) w.traces.merge(RequestTraceAccumulator.fromJSON(j.traces));
    return w;
  }

  addEngineStats(record: EngineStatsRecord): void {
    if (record.aggregatedEngines !== undefined) {
      this.aggregatedStatsLines++;
      return;
    }
    // V0 and early-V1 lines carry no engine index: a single engine, rank 0.
    if (record.rank === undefined) this.unrankedStatsLines++;
    const rank = record.rank ?? 0;
    const engines = (this.engines ??= new Map());
    let acc = engines.get(rank);
    if (acc === undefined) {
      acc = new EngineStatsAccumulator();
      engines.set(rank, acc);
    }
    acc.add(record);
  }
}
