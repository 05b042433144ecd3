/**
 * Running totals of one rank's batch lines: O(1) per line. Memory does not grow with the number of
 * lines nor with the run's duration: besides fixed totals it keeps the rank's time buckets (the raw
 * material of time windows) within a fixed budget, BUCKET_BUDGET_BYTES, by making them wider as
 * the span grows (bucket-series.ts), and exact histograms of #queue-req and #running-req (one
 * count per distinct value).
 */
import type { BatchRecord, FoldedBatches } from '../model/records.ts';
import { BucketSeries, type DenseBuckets } from './bucket-series.ts';
import { IntHistogram, type HistogramJson } from './int-histogram.ts';

/** Finest time resolution kept: 5 s, the smallest window `--window auto` picks. */
export const BUCKET_MS = 5_000;

/** A RankAccumulator as JSON (summaries, and the hand-over between threads). */
export interface RankJson {
  readonly batches: number;
  readonly newTokens: number;
  /** lines that carried #new-token (absent in summaries written before it was kept) */
  readonly tokenLines?: number;
  readonly newSeqs: number;
  readonly cachedTokens: number;
  readonly queue: HistogramJson;
  readonly running: HistogramJson;
  readonly firstTime: number | null;
  readonly lastTime: number | null;
  /**
   * bucket index, batches, new tokens, max queue, for each bucket in index order, in one flat array
   * (summaries of version 1: one array per bucket; between threads: the series' own layout,
   * DenseBuckets, whose arrays are handed over without a copy)
   */
  readonly buckets: ReadonlyArray<number> | ReadonlyArray<readonly [number, number, number, number]> | DenseBuckets;
  /** width of each bucket, when wider than 5 s (a long span: bucket-series.ts); each index is the 5-s bucket it starts at */
  readonly bucketSeconds?: number;
  readonly unbucketed: number;
  readonly queuedLines: number;
  readonly runningMinWhenQueued: number | null;
  readonly runningMaxWhenQueued: number | null;
}

export class RankAccumulator {
  batches = 0;
  newTokens = 0;
  /** lines that carried a new-token count: none means "not measured" (a --pattern without `tokens`), not 0 tokens */
  tokenLines = 0;
  newSeqs = 0;
  cachedTokens = 0;
  readonly queue = new IntHistogram();
  readonly running = new IntHistogram();
  firstTime: number | null = null;
  lastTime: number | null = null;
  /** base bucket index (⌊time / BUCKET_MS⌋) → totals, in buckets that widen with the span; batches without a timestamp are not bucketed */
  buckets = new BucketSeries();
  /**
   * timed batches not bucketed: only in summaries written before buckets widened instead of
   * refusing new ones past a week (now every timed batch is bucketed)
   */
  unbucketed = 0;
  /** lines with #queue-req > 0, and the range of #running-req on them (RUNNING_CEILING) */
  queuedLines = 0;
  runningMinWhenQueued: number | null = null;
  runningMaxWhenQueued: number | null = null;

  add(record: BatchRecord): void {
    this.batches++;
    if (record.newTokens !== undefined) {
      this.newTokens += record.newTokens;
      this.tokenLines++;
    }
    if (record.newSeq !== undefined) this.newSeqs += record.newSeq;
    if (record.cachedTokens !== undefined) this.cachedTokens += record.cachedTokens;
    if (record.queue !== undefined) this.queue.add(record.queue);
    if (record.running !== undefined) this.running.add(record.running);
    if (record.queue !== undefined && record.queue > 0 && record.running !== undefined) {
      this.queuedLines++;
      if (this.runningMinWhenQueued === null || record.running < this.runningMinWhenQueued) this.runningMinWhenQueued = record.running;
      if (this.runningMaxWhenQueued === null || record.running > this.runningMaxWhenQueued) this.runningMaxWhenQueued = record.running;
    }
    const time = record.time;
    if (time !== undefined) {
      // Lines are not time-ordered across files and ranks, so keep min and max rather than first and last seen.
      if (this.firstTime === null || time < this.firstTime) this.firstTime = time;
      if (this.lastTime === null || time > this.lastTime) this.lastTime = time;
      this.buckets.add(Math.floor(time / BUCKET_MS), 1, record.newTokens ?? 0, record.queue ?? -1);
    }
  }

  /** Adds folded lines: the same as adding each of them (`add`) in order. */
  addFolded(f: FoldedBatches): void {
    this.batches += f.lines;
    this.newTokens += f.newTokens;
    this.tokenLines += f.tokenLines;
    this.newSeqs += f.newSeq;
    this.cachedTokens += f.cachedTokens;
    this.queue.addCounts(f.queue);
    this.running.addCounts(f.running);
    this.queuedLines += f.queuedLines;
    this.runningMinWhenQueued = lower(this.runningMinWhenQueued, f.runningMinWhenQueued);
    this.runningMaxWhenQueued = higher(this.runningMaxWhenQueued, f.runningMaxWhenQueued);
    this.firstTime = lower(this.firstTime, f.firstTime);
    this.lastTime = higher(this.lastTime, f.lastTime);
    this.buckets.addAll(f.buckets);
  }

  /**
   * As plain data. With `transfer`, the buckets are the series' own Float64Arrays, whose buffers are
   * added to it for postMessage to hand over without a copy (unusable here afterwards).
   */
  toJSON(transfer: ArrayBuffer[] | null = null): RankJson {
    return {
      batches: this.batches,
      newTokens: this.newTokens,
      tokenLines: this.tokenLines,
      newSeqs: this.newSeqs,
      cachedTokens: this.cachedTokens,
      queue: this.queue.toJSON(),
      running: this.running.toJSON(),
      firstTime: this.firstTime,
      lastTime: this.lastTime,
      buckets: this.bucketsJson(transfer),
      ...(this.buckets.width === 1 ? {} : { bucketSeconds: (this.buckets.width * BUCKET_MS) / 1000 }),
      unbucketed: this.unbucketed,
      queuedLines: this.queuedLines,
      runningMinWhenQueued: this.runningMinWhenQueued,
      runningMaxWhenQueued: this.runningMaxWhenQueued,
    };
  }

  private bucketsJson(transfer: ArrayBuffer[] | null): number[] | DenseBuckets {
    if (transfer === null) {
      const out: number[] = [];
      this.buckets.forEach((i, batches, newTokens, maxQueue) => out.push(i, batches, newTokens, maxQueue));
      return out;
    }
    const dense = this.buckets.toDense();
    transfer.push(dense.dense.buffer as ArrayBuffer, dense.stray.buffer as ArrayBuffer);
    return dense;
  }

  static fromJSON(j: RankJson): RankAccumulator {
    const a = new RankAccumulator();
    a.batches = j.batches;
    a.newTokens = j.newTokens;
    // Summaries from before tokenLines: a non-zero sum was measured; a zero one is read as not measured.
    a.tokenLines = j.tokenLines ?? (j.newTokens > 0 ? j.batches : 0);
    a.newSeqs = j.newSeqs;
    a.cachedTokens = j.cachedTokens;
    a.queue.merge(IntHistogram.fromJSON(j.queue));
    a.running.merge(IntHistogram.fromJSON(j.running));
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

  /** Whether nothing was ever added (what a new accumulator holds). */
  isEmpty(): boolean {
    return (
      this.batches === 0 &&
      this.newTokens === 0 &&
      this.newSeqs === 0 &&
      this.cachedTokens === 0 &&
      this.queue.count === 0 &&
      this.running.count === 0 &&
      this.firstTime === null &&
      this.lastTime === null &&
      this.buckets.size === 0 &&
      this.unbucketed === 0 &&
      this.queuedLines === 0 &&
      this.runningMinWhenQueued === null &&
      this.runningMaxWhenQueued === null
    );
  }

  merge(other: RankAccumulator): void {
    this.batches += other.batches;
    this.newTokens += other.newTokens;
    this.tokenLines += other.tokenLines;
    this.newSeqs += other.newSeqs;
    this.cachedTokens += other.cachedTokens;
    this.queue.merge(other.queue);
    this.running.merge(other.running);
    this.firstTime = lower(this.firstTime, other.firstTime);
    this.lastTime = higher(this.lastTime, other.lastTime);
    this.unbucketed += other.unbucketed;
    this.buckets.mergeFrom(other.buckets);
    this.queuedLines += other.queuedLines;
    this.runningMinWhenQueued = lower(this.runningMinWhenQueued, other.runningMinWhenQueued);
    this.runningMaxWhenQueued = higher(this.runningMaxWhenQueued, other.runningMaxWhenQueued);
  }
}

/** The lower of two optional values (`null`: none). */
function lower(a: number | null, b: number | null): number | null {
  return b === null || (a !== null && a <= b) ? a : b;
}

/** The higher of two optional values (`null`: none). */
function higher(a: number | null, b: number | null): number | null {
  return b === null || (a !== null && a >= b) ? a : b;
}
