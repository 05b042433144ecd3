/**
 * Metrics dumps as per-rank series (parse/prometheus.ts, parse/metrics-json.ts): each sample is
 * kept with its time, per (server, DP rank, TP label, quantity), and turned into the periodic
 * per-rank stats samples vLLM's `Engine NNN:` lines give (EngineStatsRecord) when the report is
 * built, so the engine-stats rules judge them (analyze/engine-stats.ts): gauges `running` and
 * `waiting` as they are, counters as per-interval deltas.
 *
 * A sample's time is its own, else the last time line before it (`date; curl …/metrics` loops).
 * Samples of a part read before its first time line (a byte range that starts mid-file) take the
 * time of the previous part's last time line when the parts are appended, so reading a dump in
 * pieces equals reading it whole.
 */
import type { MetricQuantity, MetricSample } from '../model/records.ts';
import { EngineStatsAccumulator, intervalAfter } from './engine-stats.ts';

/** Most series kept per worker state, and points per series: a dump with more is garbage or not one dump. */
export const MAX_SERIES = 4096;
export const MAX_POINTS = 1_000_000;

interface Series {
  readonly worker: string;
  readonly rank: number | undefined;
  readonly tp: number | undefined;
  readonly quantity: MetricQuantity;
  readonly engine: string;
  readonly metric: string;
  /** sample times (ms), `null` for an untimed sample */
  readonly times: Array<number | null>;
  readonly values: number[];
  /** how many leading points are untimed only because this part started before its first time line */
  head: number;
}

/** A MetricSeriesAccumulator as JSON (WorkerJson.metrics). */
export interface MetricSeriesJson {
  readonly time: number | null;
  readonly sawTimeLine: boolean;
  readonly dropped: number;
  readonly series: ReadonlyArray<{
    readonly worker: string;
    readonly rank: number | null;
    readonly tp: number | null;
    readonly quantity: MetricQuantity;
    readonly engine: string;
    readonly metric: string;
    readonly times: ReadonlyArray<number | null>;
    readonly values: readonly number[];
    readonly head: number;
  }>;
}

/** One per-rank stats sample derived from a dump (the shape of an `Engine NNN:` line's numbers). */
export interface DerivedStats {
  readonly time: number | undefined;
  readonly running: number | undefined;
  readonly waiting: number | undefined;
  /** tokens per second over the interval the engine-stats accumulator will assume (so rate × interval = the counter's delta) */
  readonly promptThroughput: number | undefined;
  readonly generationThroughput: number | undefined;
  /** KV-cache usage (0–1) at the scrape */
  readonly kvUsage: number | undefined;
}

/** KV-cache usage of one rank over its samples (fractions 0–1): mergeable, for EngineStatsRow.kvUsage. */
export interface KvUsageTally {
  samples: number;
  sum: number;
  max: number | null;
}

/** The series of every accumulator without any: never written. */
const NO_SERIES: ReadonlyMap<string, Series> = new Map();

export class MetricSeriesAccumulator {
  /** made on the first series: every worker has an accumulator, few read a metrics dump (an empty map is ~180 bytes) */
  private held: Map<string, Series> | null = null;
  /** the last time line's time, `null` before one */
  time: number | null = null;
  sawTimeLine = false;
  /** samples left out past MAX_SERIES / MAX_POINTS */
  dropped = 0;

  get series(): ReadonlyMap<string, Series> {
    return this.held ?? NO_SERIES;
  }

  private own(): Map<string, Series> {
    return (this.held ??= new Map());
  }

  get samples(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.values.length;
    return n;
  }

  addTimeLine(time: number): void {
    this.time = time;
    this.sawTimeLine = true;
  }

  /** @param range the time filter: a sample outside it, or untimed while one is set, is left out */
  add(sample: MetricSample, range: { readonly since: number | null; readonly until: number | null } | null = null): void {
    const time = sample.time ?? this.time;
    if (range !== null && (time === null || (range.since !== null && time < range.since) || (range.until !== null && time >= range.until))) return;
    const key = seriesKey(sample.worker, sample.rank, sample.tp, sample.metric);
    let s = this.series.get(key);
    if (s === undefined) {
      if (this.series.size >= MAX_SERIES) {
        this.dropped++;
        return;
      }
      s = { worker: sample.worker, rank: sample.rank, tp: sample.tp, quantity: sample.quantity, engine: sample.engine, metric: sample.metric, times: [], values: [], head: 0 };
      this.own().set(key, s);
    }
    if (s.values.length >= MAX_POINTS) {
      this.dropped++;
      return;
    }
    if (time === null && !this.sawTimeLine && s.head === s.values.length) s.head++;
    s.times.push(time);
    s.values.push(sample.value);
  }

  /** Add `from`, the part of the same input read after this one: its head points take this part's last time line. */
  append(from: MetricSeriesAccumulator): void {
    for (const [key, other] of from.series) {
      const times = [...other.times];
      if (this.time !== null) for (let i = 0; i < other.head; i++) if (times[i] === null) times[i] = this.time;
      const mine = this.series.get(key);
      if (mine === undefined) {
        if (this.series.size >= MAX_SERIES) {
          this.dropped += other.values.length;
          continue;
        }
        // Head points still untimed stay head points when nothing before them had a time line.
        this.own().set(key, { ...other, times, values: [...other.values], head: this.sawTimeLine ? 0 : other.head });
        continue;
      }
      const room = Math.max(0, MAX_POINTS - mine.values.length);
      if (!this.sawTimeLine && mine.head === mine.values.length) mine.head += other.head;
      mine.times.push(...times.slice(0, room));
      mine.values.push(...other.values.slice(0, room));
      this.dropped += Math.max(0, other.values.length - room);
    }
    this.dropped += from.dropped;
    if (from.sawTimeLine) {
      this.time = from.time;
      this.sawTimeLine = true;
    }
  }

  toJSON(): MetricSeriesJson {
    return {
      time: this.time,
      sawTimeLine: this.sawTimeLine,
      dropped: this.dropped,
      series: [...this.series.values()].map((s) => ({ worker: s.worker, rank: s.rank ?? null, tp: s.tp ?? null, quantity: s.quantity, engine: s.engine, metric: s.metric, times: s.times, values: s.values, head: s.head })),
    };
  }

  static fromJSON(j: MetricSeriesJson): MetricSeriesAccumulator {
    const a = new MetricSeriesAccumulator();
    a.time = j.time;
    a.sawTimeLine = j.sawTimeLine;
    a.dropped = j.dropped;
    for (const s of j.series) {
      const series: Series = { worker: s.worker, rank: s.rank ?? undefined, tp: s.tp ?? undefined, quantity: s.quantity, engine: s.engine, metric: s.metric, times: [...s.times], values: [...s.values], head: s.head };
      a.own().set(seriesKey(series.worker, series.rank, series.tp, series.metric), series);
    }
    return a;
  }

  /** Samples without a rank label, per engine (SGLang without --enable-metrics-for-all-schedulers, TensorRT-LLM). */
  unranked(): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.series.values()) if (s.rank === undefined) out.set(s.engine, (out.get(s.engine) ?? 0) + s.values.length);
    return out;
  }

  /**
   * Per server label (`''`: the dump names none) and DP rank, the stats samples in time order
   * (untimed dumps: in scrape order). Of several TP labels of one rank (copies of the DP group's
   * numbers), the lowest is the rank's own.
   */
  derivedStats(): Map<string, Map<number, DerivedStats[]>> {
    const byRank = new Map<string, Map<number, Map<MetricQuantity, Series>>>();
    for (const s of this.series.values()) {
      if (s.rank === undefined) continue;
      let ranks = byRank.get(s.worker);
      if (ranks === undefined) byRank.set(s.worker, (ranks = new Map()));
      let quantities = ranks.get(s.rank);
      if (quantities === undefined) ranks.set(s.rank, (quantities = new Map()));
      const held = quantities.get(s.quantity);
      if (held === undefined || preference(s) < preference(held) || (preference(s) === preference(held) && s.metric < held.metric)) quantities.set(s.quantity, s);
    }
    const out = new Map<string, Map<number, DerivedStats[]>>();
    for (const [worker, ranks] of [...byRank].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      const rows = new Map<number, DerivedStats[]>();
      for (const [rank, quantities] of [...ranks].sort((a, b) => a[0] - b[0])) rows.set(rank, deriveRank(quantities));
      out.set(worker, rows);
    }
    return out;
  }
}

function seriesKey(worker: string, rank: number | undefined, tp: number | undefined, metric: string): string {
  return `${worker}\t${rank ?? ''}\t${tp ?? ''}\t${metric}`;
}

/**
 * Which of several series of one rank and quantity is read (lower first): the rank's own TP label
 * (the lowest; others copy the DP group's numbers), then the name: SGLang's prefill-compute tokens
 * before its prompt tokens (cache hits are no work), vLLM's current KV name before the removed one,
 * then name order, so the choice never depends on input order.
 */
function preference(s: Series): number {
  const tp = s.tp === undefined ? 0 : s.tp + 1;
  const name = s.metric.includes('realtime_tokens') || s.metric.includes('kv_cache_usage') ? 0 : 1;
  return tp * 2 + name;
}

/**
 * One rank's quantities joined into moments. Timed series join on time; when any is untimed, the
 * i-th point of each series is the i-th scrape (each scrape holds each series once).
 */
function deriveRank(quantities: ReadonlyMap<MetricQuantity, Series>): DerivedStats[] {
  const all = [...quantities.values()];
  const timed = all.every((s) => s.times.every((t) => t !== null));
  const moments = new Map<number, Partial<Record<MetricQuantity, number>>>();
  for (const s of all) {
    s.values.forEach((value, i) => {
      const key = timed ? (s.times[i] ?? 0) : i;
      let m = moments.get(key);
      if (m === undefined) moments.set(key, (m = {}));
      m[s.quantity] = value;
    });
  }
  const keys = [...moments.keys()].sort((a, b) => a - b);
  const out: DerivedStats[] = [];
  let previousTime: number | null = null;
  const last: Partial<Record<MetricQuantity, number>> = {};
  for (const key of keys) {
    const m = moments.get(key) ?? {};
    const time = timed ? key : undefined;
    // The interval EngineStatsAccumulator will give this sample: the rate × that interval is the delta.
    const interval = time === undefined ? intervalAfter(null, 0) : intervalAfter(previousTime, time);
    if (time !== undefined) previousTime = time;
    out.push({
      time,
      running: m.running,
      waiting: m.waiting,
      promptThroughput: rate(delta(last, m, 'promptTokens'), interval),
      generationThroughput: rate(delta(last, m, 'generationTokens'), interval),
      kvUsage: m.kvUsage,
    });
  }
  return out;
}

/**
 * The counter's increase since its previous sample (`undefined` for its first one: the count since
 * the engine started is no interval's). A drop is a counter reset (a restart): the new value is the
 * increase since the reset.
 */
function delta(last: Partial<Record<MetricQuantity, number>>, m: Partial<Record<MetricQuantity, number>>, q: 'promptTokens' | 'generationTokens'): number | undefined {
  const now = m[q];
  if (now === undefined) return undefined;
  const before = last[q];
  last[q] = now;
  if (before === undefined) return undefined;
  return now >= before ? now - before : now;
}

function rate(d: number | undefined, intervalMs: number): number | undefined {
  return d === undefined ? undefined : (d * 1000) / intervalMs;
}

/**
 * The dump's per-rank stats as engine-stats accumulators, per server label (`''`: the dump names
 * none): what `Engine NNN:` lines of the same numbers would have given.
 */
export function engineStatsOf(metrics: MetricSeriesAccumulator): Map<string, Map<number, EngineStatsAccumulator>> {
  const out = new Map<string, Map<number, EngineStatsAccumulator>>();
  for (const [worker, ranks] of metrics.derivedStats()) {
    const accs = new Map<number, EngineStatsAccumulator>();
    for (const [rank, rows] of ranks) {
      const acc = new EngineStatsAccumulator();
      for (const { kvUsage: _kv, ...row } of rows) acc.add({ kind: 'engine-stats', rank, aggregatedEngines: undefined, ...row });
      accs.set(rank, acc);
    }
    out.set(worker, accs);
  }
  return out;
}

/** The dump's KV-cache usage per server label and rank (ranks without a KV series are left out). */
export function kvUsageOf(metrics: MetricSeriesAccumulator): Map<string, Map<number, KvUsageTally>> {
  const out = new Map<string, Map<number, KvUsageTally>>();
  for (const [worker, ranks] of metrics.derivedStats()) {
    const tallies = new Map<number, KvUsageTally>();
    for (const [rank, rows] of ranks) {
      const tally: KvUsageTally = { samples: 0, sum: 0, max: null };
      for (const row of rows) if (row.kvUsage !== undefined) addKvUsage(tally, { samples: 1, sum: row.kvUsage, max: row.kvUsage });
      if (tally.samples > 0) tallies.set(rank, tally);
    }
    out.set(worker, tallies);
  }
  return out;
}

/** Add `from` to `into` (the same rank of another server or part). */
export function addKvUsage(into: KvUsageTally, from: KvUsageTally): void {
  into.samples += from.samples;
  into.sum += from.sum;
  if (from.max !== null && (into.max === null || from.max > into.max)) into.max = from.max;
}

/** The engine (`vllm`, `sglang`, …) of each server label's ranked series; `null` when a server mixes engines. */
export function enginesOf(metrics: MetricSeriesAccumulator): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const s of metrics.series.values()) {
    if (s.rank === undefined) continue;
    const held = out.get(s.worker);
    out.set(s.worker, held === undefined || held === s.engine ? s.engine : null);
  }
  return out;
}
