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
  firstTime: number | null = null;
  lastTime: number | null = null;
  /** the histograms and buckets below; `null` while packed (`pack`) */
  private queueHist: IntHistogram | null = new IntHistogram();
  private runningHist: IntHistogram | null = new IntHistogram();
  private series: BucketSeries | null = new BucketSeries();
  /**
   * A small rank's histograms and buckets in one array once its worker is read (`pack`):
   * [bucket width, queue pairs' length, running pairs' length, queue pairs…, running pairs…,
   * buckets (index, batches, new tokens, max queue)…]; `null` while they are held as objects.
   */
  private packed: number[] | null = null;
  /**
   * timed batches not bucketed: only in summaries written before buckets widened instead of
   * refusing new ones past a week (now every timed batch is bucketed)
   */
  unbucketed = 0;
  /** lines with #queue-req > 0, and the range of #running-req on them (RUNNING_CEILING) */
  queuedLines = 0;
  runningMinWhenQueued: number | null = null;
  runningMaxWhenQueued: number | null = null;

  /** #queue-req per line. While packed, a fresh copy on every read: read it, never add to it. */
  get queue(): IntHistogram {
    return this.queueHist ?? unpackQueue(this.packed ?? EMPTY_PACKED);
  }

  /** #running-req per line; a fresh copy on every read while packed, as `queue`. */
  get running(): IntHistogram {
    return this.runningHist ?? unpackRunning(this.packed ?? EMPTY_PACKED);
  }

  /**
   * Base bucket index (⌊time / BUCKET_MS⌋) → totals, in buckets that widen with the span; batches
   * without a timestamp are not bucketed. A fresh view on every read while packed, as `queue`.
   */
  get buckets(): BucketSeries {
    return this.series ?? unpackBuckets(this.packed ?? EMPTY_PACKED);
  }

  add(record: BatchRecord): void {
    const { queue, running, buckets } = this.own();
    this.batches++;
    if (record.newTokens !== undefined) {
      this.newTokens += record.newTokens;
      this.tokenLines++;
    }
    if (record.newSeq !== undefined) this.newSeqs += record.newSeq;
    if (record.cachedTokens !== undefined) this.cachedTokens += record.cachedTokens;
    if (record.queue !== undefined) queue.add(record.queue);
    if (record.running !== undefined) running.add(record.running);
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
      buckets.add(Math.floor(time / BUCKET_MS), 1, record.newTokens ?? 0, record.queue ?? -1);
    }
  }

  /** Adds folded lines: the same as adding each of them (`add`) in order. */
  addFolded(f: FoldedBatches): void {
    const { queue, running, buckets } = this.own();
    this.batches += f.lines;
    this.newTokens += f.newTokens;
    this.tokenLines += f.tokenLines;
    this.newSeqs += f.newSeq;
    this.cachedTokens += f.cachedTokens;
    queue.addCounts(f.queue);
    running.addCounts(f.running);
    this.queuedLines += f.queuedLines;
    this.runningMinWhenQueued = lower(this.runningMinWhenQueued, f.runningMinWhenQueued);
    this.runningMaxWhenQueued = higher(this.runningMaxWhenQueued, f.runningMaxWhenQueued);
    this.firstTime = lower(this.firstTime, f.firstTime);
    this.lastTime = higher(this.lastTime, f.lastTime);
    buckets.addAll(f.buckets);
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
    a.queueHist = IntHistogram.fromJSON(j.queue);
    a.runningHist = IntHistogram.fromJSON(j.running);
    a.firstTime = j.firstTime;
    a.lastTime = j.lastTime;
    const buckets = j.buckets;
    if (!Array.isArray(buckets)) a.series = BucketSeries.fromDense(buckets as DenseBuckets);
    else a.series = BucketSeries.fromFlat((buckets as ReadonlyArray<number | readonly number[]>).flatMap((x) => x), ((j.bucketSeconds ?? 5) * 1000) / BUCKET_MS); // version 1: tuples
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
    const { queue, running, buckets } = this.own();
    this.batches += other.batches;
    this.newTokens += other.newTokens;
    this.tokenLines += other.tokenLines;
    this.newSeqs += other.newSeqs;
    this.cachedTokens += other.cachedTokens;
    const from = other.parts();
    queue.merge(from.queue);
    running.merge(from.running);
    this.firstTime = lower(this.firstTime, other.firstTime);
    this.lastTime = higher(this.lastTime, other.lastTime);
    this.unbucketed += other.unbucketed;
    buckets.mergeFrom(from.buckets);
    this.queuedLines += other.queuedLines;
    this.runningMinWhenQueued = lower(this.runningMinWhenQueued, other.runningMinWhenQueued);
    this.runningMaxWhenQueued = higher(this.runningMaxWhenQueued, other.runningMaxWhenQueued);
  }

  /**
   * Packs a small rank's histograms and buckets into one array (PACK_VALUES, PACK_BUCKETS): once a
   * worker's files are read, until anything is added to it. Two histograms and a bucket series
   * cost ~570 bytes as objects, ~260 packed for a rank of a few lines (10,000 small files, each
   * its own worker of 4 ranks: 37,700 ranks). Reading a packed rank's `queue`, `running` or
   * `buckets` builds them afresh; adding to it unpacks it first. Every number is what it was.
   */
  pack(): void {
    const series = this.series;
    const queueHist = this.queueHist;
    const runningHist = this.runningHist;
    if (series === null || queueHist === null || runningHist === null || series.size > PACK_BUCKETS) return;
    const queue = queueHist.pairs(PACK_VALUES);
    const running = queue === null ? null : runningHist.pairs(PACK_VALUES);
    if (queue === null || running === null) return;
    const packed = [series.width, queue.length, running.length, ...queue, ...running];
    series.forEach((index, batches, newTokens, maxQueue) => packed.push(index, batches, newTokens, maxQueue));
    // slice: an array of exactly its length (push leaves room to grow).
    this.packed = packed.slice();
    this.queueHist = null;
    this.runningHist = null;
    this.series = null;
  }

  /** The histograms and buckets, as objects of this rank's own (unpacked if packed), to add to. */
  private own(): Parts {
    if (this.queueHist === null || this.runningHist === null || this.series === null) {
      const { queue, running, buckets } = this.parts();
      this.queueHist = queue;
      this.runningHist = running;
      this.series = buckets;
      this.packed = null;
    }
    return { queue: this.queueHist, running: this.runningHist, buckets: this.series };
  }

  /** The histograms and buckets to read: this rank's own, or made afresh from the packed array. */
  private parts(): Parts {
    if (this.queueHist !== null && this.runningHist !== null && this.series !== null) return { queue: this.queueHist, running: this.runningHist, buckets: this.series };
    const packed = this.packed ?? EMPTY_PACKED;
    return { queue: unpackQueue(packed), running: unpackRunning(packed), buckets: unpackBuckets(packed) };
  }
}

interface Parts {
  readonly queue: IntHistogram;
  readonly running: IntHistogram;
  readonly buckets: BucketSeries;
}

/**
 * Most distinct values per histogram, and buckets, of a rank `pack` packs: a rank of a short log
 * (a few lines). Past these the objects are the smaller form, and a busy rank's are kept as they are.
 */
const PACK_VALUES = 16;
const PACK_BUCKETS = 16;

/** A packed rank of nothing: width 1, no values, no buckets. */
const EMPTY_PACKED: readonly number[] = [1, 0, 0];

/** Where a packed array's running pairs start and its buckets start (RankAccumulator.packed). */
const queueEnd = (packed: readonly number[]): number => 3 + (packed[1] ?? 0);
const runningEnd = (packed: readonly number[]): number => queueEnd(packed) + (packed[2] ?? 0);

const unpackQueue = (packed: readonly number[]): IntHistogram => IntHistogram.fromPairs(packed, 3, queueEnd(packed));
const unpackRunning = (packed: readonly number[]): IntHistogram => IntHistogram.fromPairs(packed, queueEnd(packed), runningEnd(packed));
const unpackBuckets = (packed: readonly number[]): BucketSeries => BucketSeries.fromFlat(packed.slice(runningEnd(packed)), packed[0] ?? 1);

/** The lower of two optional values (`null`: none). */
function lower(a: number | null, b: number | null): number | null {
  return b === null || (a !== null && a <= b) ? a : b;
}

/** The higher of two optional values (`null`: none). */
function higher(a: number | null, b: number | null): number | null {
  return b === null || (a !== null && a >= b) ? a : b;
}
