/**
 * One rank's time buckets (batches, Σ new tokens, peak queue), the raw material of time windows,
 * in a fixed memory budget whatever the span: at most BUCKET_BUDGET_BYTES a rank.
 *
 * Buckets start 5 s wide (one base bucket). When a rank's buckets would need more than the budget,
 * adjacent ones are merged into wider ones (coarsening), on a ladder of widths that divide each
 * other and the window sizes `--window auto` snaps to (BUCKET_WIDTHS). Why coarsening and not a
 * mergeable sketch: every number a window reports (batches and new tokens per rank, the peak queue)
 * stays an exact sum (or maximum) of whole buckets as long as the window's size is a multiple of
 * the widest bucket and its grid is aligned to it, so windows lose resolution, never accuracy; a
 * sketch (t-digest, count-min) would make every window's count approximate, and the χ² test and
 * idle periods built on them, to save memory that coarsening already bounds. Series of different
 * widths merge at the coarser one (`mergeFrom`), and the budget holds after any merge.
 *
 * A budget of 2,048 buckets (and the chunk they straddle, 54 KiB) holds a week of log at 5-min
 * buckets, half the 10-min windows `--window auto` picks for any span over 25 h; shorter runs keep
 * finer buckets (a run of up to 2 h 50 min keeps 5-s ones, and its report is what it always was;
 * 1,024 buckets coarsened the 2.7-h speed bench set, 7 % slower for nothing).
 *
 * Layout: buckets of the span a rank is active in sit in Float64Array chunks of CHUNK_SLOTS
 * (24 bytes a bucket), grown only where at least 1 in MAX_EMPTY_RATIO slots is used; the others
 * (a rank with few lines, stray timestamps) in one sorted array, 32 bytes each (a plain array: a
 * typed array costs ~200 bytes of its own before its first bucket). A rank with a dozen lines costs
 * a few hundred bytes, not a chunk.
 */

/** One bucket of one rank: batches, Σ new tokens, peak #queue-req (−1: no queue value). */
export interface Bucket {
  batches: number;
  newTokens: number;
  maxQueue: number;
}

/**
 * Bucket widths, in base buckets of 5 s: 5 s, 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 2 h,
 * 6 h, 12 h, 1 day, then doubling. Each divides the next, and every width up to 10 min divides 10
 * min, the largest size `--window auto` snaps to (windows.ts WINDOW_SNAPS_S), so a window grid
 * aligned to the widest bucket present sums whole buckets.
 */
export const BUCKET_WIDTHS: readonly number[] = [1, 2, 6, 12, 60, 120, 360, 720, 1440, 4320, 8640, 17280];

/** The next coarser width after `width` (a ladder width). */
export function nextBucketWidth(width: number): number {
  for (const w of BUCKET_WIDTHS) if (w > width) return w;
  return width * 2;
}

/** The finest ladder width that is at least `width` (1 for anything below 1 or not a number). */
export function bucketWidthAtLeast(width: number): number {
  let w = 1;
  while (w < width) w = nextBucketWidth(w);
  return w;
}

/**
 * The width that every series in `all` can be summed at: the coarsest one (ladder widths divide
 * each other). 1 when there are none. A window grid for these series must have a size that is a
 * multiple of it and start at a multiple of it (windows.ts).
 */
export function commonBucketWidth(all: Iterable<BucketSeries>): number {
  let width = 1;
  for (const series of all) if (series.size > 0 && series.width > width) width = series.width;
  return width;
}

/** Fields per bucket in a chunk: batches, new tokens, max queue. */
const FIELDS = 3;
/**
 * Buckets per chunk of the dense span (6 KiB). The span grows by whole chunks, so nothing is
 * copied: one growing array left its old copies behind, outside the V8 heap, which V8 frees late
 * (5 GB of logs, 25 h: peak RSS 150 instead of ~125 MiB).
 */
const CHUNK_SLOTS = 256;
const CHUNK_SHIFT = 8;
const CHUNK_BYTES = CHUNK_SLOTS * FIELDS * 8;
/** A stray bucket: index, batches, new tokens, max queue. */
const STRAY_FIELDS = 4;
const STRAY_BYTES = STRAY_FIELDS * 8;
/**
 * Up to this many stray buckets, a new one at the end makes an array of exactly their size
 * (`concat`) where `push` would leave room for ~4 more: most ranks of a short log hold a few
 * (10,000 small files, each its own worker: 200 instead of ~100 bytes a rank).
 */
const EXACT_STRAYS = 16;
/** The dense span grows only where at least one slot in this many holds a bucket. */
const MAX_EMPTY_RATIO = 4;
/** Buckets a rank keeps at most: 2,048, and the part of a chunk on either side they straddle (54 KiB). */
export const BUCKET_BUDGET_BYTES = (2048 / CHUNK_SLOTS + 1) * CHUNK_BYTES;

/**
 * Most buckets one rank of a summary may hold: a week of 5-s buckets, what summaries written before
 * the budget kept (they are still read, and coarsened on reading); new ones hold far fewer.
 */
export const MAX_SAVED_BUCKETS = 120_960;

/** Shared by every series without stray buckets: replaced, never written to. */
const NO_STRAYS: number[] = [];
const NO_CHUNKS: readonly Float64Array[] = [];

/**
 * A series as it is laid out, for handing it to another thread without a bucket-by-bucket copy:
 * the dense span's chunks one after the other in `dense` (from bucket `base`, in buckets of
 * `width`), the stray buckets as (index, batches, new tokens, max queue) in index order in `stray`.
 */
export interface DenseBuckets {
  readonly base: number;
  readonly size: number;
  /** in base buckets; absent means 1 */
  readonly width?: number;
  readonly dense: Float64Array;
  readonly stray: Float64Array;
}

type Visit = (index: number, batches: number, newTokens: number, maxQueue: number) => void;

export class BucketSeries {
  /** distinct buckets held */
  size = 0;
  /** width of each bucket in base buckets (BUCKET_WIDTHS); every index given or visited is in base buckets */
  width = 1;
  private readonly budget: number;
  /** bucket number (index / width) of dense slot 0; NaN while there is no chunk */
  private base = Number.NaN;
  /** the dense span: slot s is at chunks[s >> CHUNK_SHIFT], offset (s % CHUNK_SLOTS) · FIELDS */
  private chunks: readonly Float64Array[] = NO_CHUNKS;
  /** buckets in the dense span */
  private denseCount = 0;
  /** buckets outside the dense span, by bucket number, STRAY_FIELDS each; `strays` of them in use */
  private stray: number[] = NO_STRAYS;
  private strays = 0;
  /** set while rebuilding at a coarser width: no coarsening from within */
  private rebuilding = false;
  /**
   * Buckets as read from a summary (index, batches, tokens, queue, …, indices in base buckets),
   * kept as they came until this series is changed: a part that is only merged into another and
   * then dropped never builds arrays of its own. (From a worker thread they come as chunks: fromDense.)
   */
  private flat: ArrayLike<number> | null = null;

  /** @param budgetBytes what the buckets may take (tests use small budgets to coarsen early) */
  constructor(budgetBytes: number = BUCKET_BUDGET_BYTES) {
    this.budget = budgetBytes;
  }

  /**
   * A series holding `flat` (index, batches, new tokens, max queue per bucket, ascending, indices
   * in base buckets) of buckets `width` base buckets wide (rounded up to a ladder width).
   */
  static fromFlat(flat: ArrayLike<number>, width = 1, budgetBytes: number = BUCKET_BUDGET_BYTES): BucketSeries {
    const series = new BucketSeries(budgetBytes);
    series.flat = flat;
    series.width = bucketWidthAtLeast(width);
    series.size = Math.floor(flat.length / STRAY_FIELDS);
    return series;
  }

  /** This series' layout (see DenseBuckets); fresh arrays, so their buffers can be transferred. */
  toDense(): DenseBuckets {
    if (this.flat !== null) this.materialize();
    const dense = new Float64Array(this.chunks.length * CHUNK_SLOTS * FIELDS);
    this.chunks.forEach((chunk, c) => dense.set(chunk, c * CHUNK_SLOTS * FIELDS));
    const stray = new Float64Array(this.stray);
    return { base: this.base, size: this.size, ...(this.width === 1 ? {} : { width: this.width }), dense, stray };
  }

  /**
   * The series `toDense` gave, its chunks views of `d.dense`: merging it into another adds chunk
   * to chunk, where a flat form is added bucket by bucket (a report merges every worker's series
   * in code that runs once, unoptimized: exit-safety.ts).
   */
  static fromDense(d: DenseBuckets, budgetBytes: number = BUCKET_BUDGET_BYTES): BucketSeries {
    const series = new BucketSeries(budgetBytes);
    const span = CHUNK_SLOTS * FIELDS;
    const chunks: Float64Array[] = [];
    for (let at = 0; at + span <= d.dense.length; at += span) chunks.push(d.dense.subarray(at, at + span));
    series.chunks = chunks;
    series.base = series.chunks.length === 0 ? Number.NaN : d.base;
    series.width = bucketWidthAtLeast(d.width ?? 1);
    series.stray = d.stray.length === 0 ? NO_STRAYS : Array.from(d.stray);
    series.strays = Math.floor(d.stray.length / STRAY_FIELDS);
    series.size = d.size;
    series.denseCount = d.size - series.strays;
    return series;
  }

  private materialize(): void {
    const flat = this.flat;
    if (flat === null) return;
    this.flat = null;
    this.size = 0;
    if (!this.fillDense(flat)) this.addAll(flat);
  }

  /**
   * Writes flat buckets straight into a dense span of their own, when they are ascending (as
   * forEach writes them; buckets that fall into one at this width are summed: a coarsening), dense
   * enough and within the budget; false, holding nothing, otherwise.
   */
  private fillDense(flat: ArrayLike<number>): boolean {
    const width = this.width;
    let n = 0;
    let previous = Number.NEGATIVE_INFINITY;
    for (let k = 0; k + 3 < flat.length; k += STRAY_FIELDS) {
      const index = flat[k] ?? 0;
      const bucket = Math.floor(index / width);
      if (!Number.isInteger(index) || !((flat[k + 1] ?? 0) > 0) || bucket < previous) return false;
      if (bucket > previous) n++;
      previous = bucket;
    }
    if (n === 0) return false;
    const first = Math.floor((flat[0] ?? 0) / width);
    const base = Math.floor(first / CHUNK_SLOTS) * CHUNK_SLOTS;
    const chunkCount = Math.ceil((previous + 1 - base) / CHUNK_SLOTS);
    if (!(chunkCount * CHUNK_SLOTS <= MAX_EMPTY_RATIO * n && chunkCount * CHUNK_BYTES <= this.budget)) return false;
    const chunks = Array.from({ length: chunkCount }, () => new Float64Array(CHUNK_SLOTS * FIELDS));
    for (let k = 0; k + 3 < flat.length; k += STRAY_FIELDS) {
      const slot = Math.floor((flat[k] ?? 0) / width) - base;
      addAt(chunks[slot >> CHUNK_SHIFT] as Float64Array, (slot & (CHUNK_SLOTS - 1)) * FIELDS, flat[k + 1] ?? 0, flat[k + 2] ?? 0, flat[k + 3] ?? -1);
    }
    this.base = base;
    this.chunks = chunks;
    this.denseCount = n;
    this.size = n;
    return true;
  }

  /** Adds flat buckets (index in base buckets, batches, new tokens, max queue, …) in their order, as `add` would one by one. */
  addAll(flat: ArrayLike<number>): void {
    if (this.flat !== null) this.materialize();
    // Buckets in the dense span, the common case (the kernel's folds of a steady log), are added
    // here; anything else through addBucket, after which the span is read again (it may grow or
    // widen).
    let width = this.width;
    let base = this.base;
    let chunks = this.chunks;
    for (let k = 0; k + 3 < flat.length; k += STRAY_FIELDS) {
      const batches = flat[k + 1] ?? 0;
      if (!(batches > 0)) continue;
      const newTokens = flat[k + 2] ?? 0;
      const maxQueue = flat[k + 3] ?? -1;
      const bucket = width === 1 ? (flat[k] ?? 0) : Math.floor((flat[k] ?? 0) / width);
      const slot = bucket - base;
      if (slot >= 0 && slot < chunks.length * CHUNK_SLOTS && Number.isInteger(slot)) {
        const added = addAt(chunks[slot >> CHUNK_SHIFT] as Float64Array, (slot & (CHUNK_SLOTS - 1)) * FIELDS, batches, newTokens, maxQueue);
        this.denseCount += added;
        this.size += added;
        continue;
      }
      const whole = Math.floor(bucket);
      if (!Number.isFinite(whole)) continue;
      this.addBucket(whole, batches, newTokens, maxQueue);
      width = this.width;
      base = this.base;
      chunks = this.chunks;
    }
  }

  /**
   * Add `batches` batches with `newTokens` and peak `maxQueue` (−1: none) to the bucket that holds
   * base bucket `index`. Never refused: past the budget, buckets get wider. Buckets without a batch
   * (none come from a log) and indices that are not numbers are ignored.
   */
  add(index: number, batches: number, newTokens: number, maxQueue: number): void {
    if (this.flat !== null) this.materialize();
    if (!(batches > 0)) return;
    const bucket = Math.floor(index / this.width);
    if (!Number.isFinite(bucket)) return;
    this.addBucket(bucket, batches, newTokens, maxQueue);
  }

  /** `add` for a bucket number at the current width. */
  private addBucket(bucket: number, batches: number, newTokens: number, maxQueue: number): void {
    const slot = bucket - this.base;
    if (slot >= 0 && slot < this.chunks.length * CHUNK_SLOTS) {
      const added = addAt(this.chunks[slot >> CHUNK_SHIFT] as Float64Array, (slot & (CHUNK_SLOTS - 1)) * FIELDS, batches, newTokens, maxQueue);
      this.denseCount += added;
      this.size += added;
      return;
    }
    const position = this.strayAt(bucket);
    const stray = this.stray;
    if (position < this.strays && stray[position * STRAY_FIELDS] === bucket) {
      const at = position * STRAY_FIELDS;
      stray[at + 1] = (stray[at + 1] ?? 0) + batches;
      stray[at + 2] = (stray[at + 2] ?? 0) + newTokens;
      if (maxQueue > (stray[at + 3] ?? -1)) stray[at + 3] = maxQueue;
      return;
    }
    if (this.growTo(bucket)) {
      this.addBucket(bucket, batches, newTokens, maxQueue);
      return;
    }
    this.insertStray(position, bucket, batches, newTokens, maxQueue);
    this.size++;
    if (!this.rebuilding && this.bytes() > this.budget) this.coarsen(nextBucketWidth(this.width));
  }

  /** The bytes the buckets take (chunks and stray buckets in use): at most the budget, whatever was added. */
  bytes(): number {
    return this.chunks.length * CHUNK_BYTES + this.strays * STRAY_BYTES;
  }

  /** Position of the first stray bucket numbered `bucket` or higher (binary search; usually the end). */
  private strayAt(bucket: number): number {
    const stray = this.stray;
    let lo = 0;
    let hi = this.strays;
    if (hi === 0 || (stray[(hi - 1) * STRAY_FIELDS] ?? 0) < bucket) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((stray[mid * STRAY_FIELDS] ?? 0) < bucket) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertStray(position: number, bucket: number, batches: number, newTokens: number, maxQueue: number): void {
    const stray = this.stray;
    if (stray === NO_STRAYS) this.stray = [bucket, batches, newTokens, maxQueue];
    else if (position === this.strays && this.strays >= EXACT_STRAYS) stray.push(bucket, batches, newTokens, maxQueue);
    else if (position === this.strays) this.stray = stray.concat(bucket, batches, newTokens, maxQueue);
    else stray.splice(position * STRAY_FIELDS, 0, bucket, batches, newTokens, maxQueue);
    this.strays++;
  }

  /**
   * Widen the dense span (by whole chunks) to hold `bucket`, when at least one slot in
   * MAX_EMPTY_RATIO of the widened span would hold a bucket and the budget allows; the stray
   * buckets it then covers move into it. False, changing nothing, otherwise.
   */
  private growTo(bucket: number): boolean {
    const chunkStart = Math.floor(bucket / CHUNK_SLOTS) * CHUNK_SLOTS;
    const held = this.chunks.length;
    if (held === 0) {
      // The first chunks: over the stray buckets too if they are dense enough (a steady rank's
      // first buckets then all move in), else around this bucket alone.
      const first = this.strays === 0 ? bucket : Math.min(bucket, this.stray[0] ?? bucket);
      const last = this.strays === 0 ? bucket : Math.max(bucket, this.stray[(this.strays - 1) * STRAY_FIELDS] ?? bucket);
      const low = Math.floor(first / CHUNK_SLOTS) * CHUNK_SLOTS;
      const high = (Math.floor(last / CHUNK_SLOTS) + 1) * CHUNK_SLOTS;
      return (high - low > CHUNK_SLOTS && this.growOver(low, high)) || this.growOver(chunkStart, chunkStart + CHUNK_SLOTS);
    }
    return this.growOver(Math.min(this.base, chunkStart), Math.max(this.base + held * CHUNK_SLOTS, chunkStart + CHUNK_SLOTS));
  }

  /** growTo over the chunk-aligned span [low, high), which holds the dense span if there is one. */
  private growOver(low: number, high: number): boolean {
    const held = this.chunks.length;
    const slots = high - low;
    const from = this.strayAt(low);
    const to = this.strayAt(high);
    const covered = to - from;
    if (slots > MAX_EMPTY_RATIO * (this.denseCount + covered + 1)) return false;
    if ((slots / CHUNK_SLOTS) * CHUNK_BYTES + (this.strays - covered) * STRAY_BYTES > this.budget) return false;
    // Whole chunks on the side that grew; the ones already there stay where they are.
    const before = held === 0 ? 0 : (this.base - low) / CHUNK_SLOTS;
    const after = slots / CHUNK_SLOTS - held - before;
    const fresh = (n: number): Float64Array[] => Array.from({ length: n }, () => new Float64Array(CHUNK_SLOTS * FIELDS));
    this.chunks = [...fresh(before), ...this.chunks, ...fresh(after)];
    this.base = low;
    const stray = this.stray;
    for (let p = from; p < to; p++) {
      const at = p * STRAY_FIELDS;
      const slot = (stray[at] ?? 0) - low;
      const chunk = this.chunks[slot >> CHUNK_SHIFT] as Float64Array;
      const c = (slot & (CHUNK_SLOTS - 1)) * FIELDS;
      chunk[c] = stray[at + 1] ?? 0;
      chunk[c + 1] = stray[at + 2] ?? 0;
      chunk[c + 2] = stray[at + 3] ?? -1;
    }
    if (covered > 0) stray.splice(from * STRAY_FIELDS, covered * STRAY_FIELDS);
    this.strays -= covered;
    this.denseCount += covered;
    return true;
  }

  /**
   * Rebuild at `width` (a coarser ladder width), and coarser still until the budget holds: adjacent
   * buckets merge into the wider bucket that holds them (batches and tokens add up, the higher
   * peak queue wins).
   */
  private coarsen(width: number): void {
    if (this.chunks.length > 0 && this.coarsenDense(width)) return;
    const old = this.width;
    const all: number[] = [];
    this.forEachBucket((bucket, batches, newTokens, maxQueue) => all.push(bucket * old, batches, newTokens, maxQueue));
    this.rebuilding = true;
    try {
      for (let w = width; ; w = nextBucketWidth(w)) {
        this.clear();
        this.width = w;
        // A steady rank fills a dense span at once; others are added bucket by bucket.
        if (!this.fillDense(all)) for (let k = 0; k < all.length; k += STRAY_FIELDS) this.addBucket(Math.floor((all[k] ?? 0) / w), all[k + 1] ?? 0, all[k + 2] ?? 0, all[k + 3] ?? -1);
        if (this.bytes() <= this.budget) break;
      }
    } finally {
      this.rebuilding = false;
    }
  }

  /**
   * `coarsen` of a series held in chunks (and a few stray buckets next to them), chunk to chunk: it
   * runs a few times a rank, so it runs cold, and the fewer steps a bucket the better. False,
   * changing nothing, when the result would not be dense enough for chunks alone.
   */
  private coarsenDense(width: number): boolean {
    const ratio = width / this.width;
    const end = this.base + this.chunks.length * CHUNK_SLOTS - 1;
    const first = this.strays === 0 ? this.base : Math.min(this.base, this.stray[0] ?? this.base);
    const last = this.strays === 0 ? end : Math.max(end, this.stray[(this.strays - 1) * STRAY_FIELDS] ?? end);
    const base = Math.floor(Math.floor(first / ratio) / CHUNK_SLOTS) * CHUNK_SLOTS;
    const count = Math.ceil((Math.floor(last / ratio) + 1 - base) / CHUNK_SLOTS);
    if (count * CHUNK_SLOTS > MAX_EMPTY_RATIO * Math.ceil(this.size / ratio)) return false;
    const chunks = Array.from({ length: count }, () => new Float64Array(CHUNK_SLOTS * FIELDS));
    let n = 0;
    const put = (bucket: number, batches: number, newTokens: number, queue: number): void => {
      const slot = Math.floor(bucket / ratio) - base;
      n += addAt(chunks[slot >> CHUNK_SHIFT] as Float64Array, (slot & (CHUNK_SLOTS - 1)) * FIELDS, batches, newTokens, queue);
    };
    for (let c = 0; c < this.chunks.length; c++) {
      const from = this.chunks[c] as Float64Array;
      for (let at = 0, bucket = this.base + c * CHUNK_SLOTS; at < from.length; at += FIELDS, bucket++) {
        const batches = from[at] ?? 0;
        if (batches !== 0) put(bucket, batches, from[at + 1] ?? 0, from[at + 2] ?? -1);
      }
    }
    const stray = this.stray;
    for (let at = 0; at < this.strays * STRAY_FIELDS; at += STRAY_FIELDS) put(stray[at] ?? 0, stray[at + 1] ?? 0, stray[at + 2] ?? 0, stray[at + 3] ?? -1);
    this.stray = NO_STRAYS;
    this.strays = 0;
    this.chunks = chunks;
    this.base = base;
    this.width = width;
    this.denseCount = n;
    this.size = n;
    if (this.bytes() > this.budget) this.coarsen(nextBucketWidth(width));
    return true;
  }

  private clear(): void {
    this.size = 0;
    this.base = Number.NaN;
    this.chunks = NO_CHUNKS;
    this.denseCount = 0;
    this.stray = NO_STRAYS;
    this.strays = 0;
  }

  /** The bucket that holds base bucket `index`, a copy; undefined when there is none. */
  get(index: number): Bucket | undefined {
    if (this.flat !== null) this.materialize();
    const bucket = Math.floor(index / this.width);
    const slot = bucket - this.base;
    if (slot >= 0 && slot < this.chunks.length * CHUNK_SLOTS) {
      const chunk = this.chunks[slot >> CHUNK_SHIFT] as Float64Array;
      const at = (slot & (CHUNK_SLOTS - 1)) * FIELDS;
      const batches = chunk[at] ?? 0;
      return batches === 0 ? undefined : { batches, newTokens: chunk[at + 1] ?? 0, maxQueue: chunk[at + 2] ?? -1 };
    }
    const position = this.strayAt(bucket);
    const at = position * STRAY_FIELDS;
    if (position >= this.strays || this.stray[at] !== bucket) return undefined;
    return { batches: this.stray[at + 1] ?? 0, newTokens: this.stray[at + 2] ?? 0, maxQueue: this.stray[at + 3] ?? -1 };
  }

  /**
   * Calls `visit` for every bucket in ascending order with the base bucket it starts at (its
   * number × width), allocating nothing: the hot way in (merging task outputs and workers, time
   * windows, serialising).
   */
  forEach(visit: Visit): void {
    const flat = this.flat;
    if (flat !== null) {
      for (let k = 0; k + 3 < flat.length; k += STRAY_FIELDS) visit(flat[k] ?? 0, flat[k + 1] ?? 0, flat[k + 2] ?? 0, flat[k + 3] ?? -1);
      return;
    }
    const width = this.width;
    this.forEachBucket((bucket, batches, newTokens, maxQueue) => visit(bucket * width, batches, newTokens, maxQueue));
  }

  /** forEach by bucket number at the current width (the series is materialized). */
  private forEachBucket(visit: Visit): void {
    const stray = this.stray;
    let s = 0;
    // Stray buckets lie outside the dense span: those below it, the span, those above it.
    for (; s < this.strays && !((stray[s * STRAY_FIELDS] ?? 0) >= this.base); s++) {
      const at = s * STRAY_FIELDS;
      visit(stray[at] ?? 0, stray[at + 1] ?? 0, stray[at + 2] ?? 0, stray[at + 3] ?? -1);
    }
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as Float64Array;
      for (let at = 0, bucket = this.base + c * CHUNK_SLOTS; at < chunk.length; at += FIELDS, bucket++) {
        const batches = chunk[at] ?? 0;
        if (batches !== 0) visit(bucket, batches, chunk[at + 1] ?? 0, chunk[at + 2] ?? -1);
      }
    }
    for (; s < this.strays; s++) {
      const at = s * STRAY_FIELDS;
      visit(stray[at] ?? 0, stray[at + 1] ?? 0, stray[at + 2] ?? 0, stray[at + 3] ?? -1);
    }
  }

  /**
   * The base buckets covered, from the first bucket's start to the last bucket's end (the last
   * base bucket it holds); null when empty. At width 1: the lowest and highest index held.
   */
  indexRange(): readonly [number, number] | null {
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    const flat = this.flat;
    if (flat !== null) {
      for (let k = 0; k + 3 < flat.length; k += STRAY_FIELDS) {
        const index = Math.floor((flat[k] ?? 0) / this.width);
        if (index < first) first = index;
        if (index > last) last = index;
      }
    } else {
      const stray = this.stray;
      if (this.strays > 0) {
        first = stray[0] ?? first;
        last = stray[(this.strays - 1) * STRAY_FIELDS] ?? last;
      }
      const slots = this.chunks.length * CHUNK_SLOTS;
      for (let slot = 0; slot < slots; slot++) {
        if (this.slotBatches(slot) === 0) continue;
        first = Math.min(first, this.base + slot);
        break;
      }
      for (let slot = slots - 1; slot >= 0; slot--) {
        if (this.slotBatches(slot) === 0) continue;
        last = Math.max(last, this.base + slot);
        break;
      }
    }
    return first <= last ? [first * this.width, last * this.width + this.width - 1] : null;
  }

  private slotBatches(slot: number): number {
    return (this.chunks[slot >> CHUNK_SHIFT] as Float64Array)[(slot & (CHUNK_SLOTS - 1)) * FIELDS] ?? 0;
  }

  /**
   * Per window of `perWindow` base buckets from base bucket `first` on, `count` windows: batches
   * and new tokens summed and the peak queue (−1: none), each bucket in the window its start falls
   * in (exact when `first` and `perWindow` are multiples of the width). What forEach with a
   * callback would give, without a call per bucket (time windows, right after reading, run this
   * once per rank, unoptimized: exit-safety.ts).
   */
  windowTotals(first: number, perWindow: number, count: number): { batches: Float64Array; newTokens: Float64Array; maxQueue: Float64Array } {
    const batches = new Float64Array(count);
    const newTokens = new Float64Array(count);
    const maxQueue = new Float64Array(count).fill(-1);
    const put = (index: number, b: number, k: number, q: number): void => {
      const w = Math.floor((index - first) / perWindow);
      if (!(w >= 0 && w < count)) return;
      batches[w] = (batches[w] ?? 0) + b;
      newTokens[w] = (newTokens[w] ?? 0) + k;
      if (q > (maxQueue[w] ?? -1)) maxQueue[w] = q;
    };
    const flat = this.flat;
    if (flat !== null) {
      for (let k = 0; k + 3 < flat.length; k += STRAY_FIELDS) put(Math.floor((flat[k] ?? 0) / this.width) * this.width, flat[k + 1] ?? 0, flat[k + 2] ?? 0, flat[k + 3] ?? -1);
      return { batches, newTokens, maxQueue };
    }
    const width = this.width;
    const stray = this.stray;
    let s = 0;
    for (; s < this.strays && !((stray[s * STRAY_FIELDS] ?? 0) >= this.base); s++) {
      const at = s * STRAY_FIELDS;
      put((stray[at] ?? 0) * width, stray[at + 1] ?? 0, stray[at + 2] ?? 0, stray[at + 3] ?? -1);
    }
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as Float64Array;
      // A chunk's slots fall in one or a few windows: sum them per window in a tight loop.
      for (let at = 0, bucket = this.base + c * CHUNK_SLOTS; at < chunk.length; ) {
        const start = bucket * width;
        const w = Math.floor((start - first) / perWindow);
        // Slots up to the window's end (the first bucket starting at or past it) or the chunk's.
        const inWindow = Math.max(1, Math.ceil((first + (w + 1) * perWindow - start) / width));
        const end = Math.min(chunk.length, at + inWindow * FIELDS);
        if (w >= 0 && w < count) {
          let b = batches[w] ?? 0;
          let k = newTokens[w] ?? 0;
          let q = maxQueue[w] ?? -1;
          for (let a = at; a < end; a += FIELDS) {
            const slotBatches = chunk[a] ?? 0;
            if (slotBatches === 0) continue;
            b += slotBatches;
            k += chunk[a + 1] ?? 0;
            const slotQueue = chunk[a + 2] ?? -1;
            if (slotQueue > q) q = slotQueue;
          }
          batches[w] = b;
          newTokens[w] = k;
          maxQueue[w] = q;
        }
        bucket += (end - at) / FIELDS;
        at = end;
      }
    }
    for (; s < this.strays; s++) {
      const at = s * STRAY_FIELDS;
      put((stray[at] ?? 0) * width, stray[at + 1] ?? 0, stray[at + 2] ?? 0, stray[at + 3] ?? -1);
    }
    return { batches, newTokens, maxQueue };
  }

  /**
   * Adds every bucket of `other`, at the coarser of the two widths. An empty series takes the
   * other's flat form as it is (it is never written to), or copies of its arrays.
   */
  mergeFrom(other: BucketSeries): void {
    if (other.size === 0) return;
    const empty = this.size === 0 && this.flat === null;
    if (empty && other.flat !== null) {
      this.flat = other.flat;
      this.width = other.width;
      this.size = other.size;
      return;
    }
    if (empty) {
      // Native copies, no loop here.
      this.clear();
      this.width = other.width;
      this.base = other.base;
      this.chunks = other.chunks.map((chunk) => chunk.slice());
      this.denseCount = other.denseCount;
      this.stray = other.strays === 0 ? NO_STRAYS : other.stray.slice();
      this.strays = other.strays;
      this.size = other.size;
      if (this.bytes() > this.budget) this.coarsen(nextBucketWidth(this.width));
      return;
    }
    if (this.flat !== null) this.materialize();
    if (other.width > this.width) this.coarsen(other.width);
    if (other.flat !== null) {
      this.addAll(other.flat);
      return;
    }
    // Its chunks are read here in ascending order. A chunk that lies in this one's span, at the
    // same width, is added slot by slot (no stray bucket lies in a dense span).
    const stray = other.stray;
    let s = 0;
    for (; s < other.strays && !((stray[s * STRAY_FIELDS] ?? 0) >= other.base); s++) this.addOtherStray(other, s);
    for (let c = 0; c < other.chunks.length; c++) {
      const chunk = other.chunks[c] as Float64Array;
      const first = other.base + c * CHUNK_SLOTS;
      const mine = this.width === other.width ? this.chunks[(first - this.base) / CHUNK_SLOTS] : undefined;
      if (mine !== undefined) {
        const added = addChunk(mine, chunk);
        this.denseCount += added;
        this.size += added;
        continue;
      }
      for (let at = 0, bucket = first; at < chunk.length; at += FIELDS, bucket++) {
        const batches = chunk[at] ?? 0;
        if (batches !== 0) this.add(bucket * other.width, batches, chunk[at + 1] ?? 0, chunk[at + 2] ?? -1);
      }
    }
    for (; s < other.strays; s++) this.addOtherStray(other, s);
  }

  private addOtherStray(other: BucketSeries, s: number): void {
    const at = s * STRAY_FIELDS;
    const stray = other.stray;
    this.add((stray[at] ?? 0) * other.width, stray[at + 1] ?? 0, stray[at + 2] ?? 0, stray[at + 3] ?? -1);
  }

  /** [start index, bucket] in ascending order; the buckets are copies (tests; the code uses forEach). */
  entries(): IterableIterator<[number, Bucket]> {
    const all: Array<[number, Bucket]> = [];
    this.forEach((index, batches, newTokens, maxQueue) => all.push([index, { batches, newTokens, maxQueue }]));
    return all[Symbol.iterator]();
  }
}

/**
 * Adds chunk `from` into the chunk `into` of the same slots; returns the buckets new to `into`.
 * The loop does addAt's work itself: the report merges every worker's ranks with this after
 * reading, unoptimized (exit-safety.ts), where a call per slot cost ~10 ms on the bench set.
 */
function addChunk(into: Float64Array, from: Float64Array): number {
  let added = 0;
  for (let at = 0; at < from.length; at += FIELDS) {
    const batches = from[at] ?? 0;
    if (batches === 0) continue;
    const held = into[at] ?? 0;
    if (held === 0) added++;
    into[at] = held + batches;
    into[at + 1] = (into[at + 1] ?? 0) + (from[at + 1] ?? 0);
    const queue = from[at + 2] ?? -1;
    if (held === 0 || queue > (into[at + 2] ?? -1)) into[at + 2] = queue;
  }
  return added;
}

/**
 * Adds one bucket's batches, tokens and peak queue at `at` in `chunk` (batches and tokens add up,
 * the higher queue wins); 1 when the slot was empty (a new bucket), else 0.
 */
function addAt(chunk: Float64Array, at: number, batches: number, newTokens: number, maxQueue: number): number {
  const held = chunk[at] ?? 0;
  chunk[at] = held + batches;
  chunk[at + 1] = (chunk[at + 1] ?? 0) + newTokens;
  if (held === 0 || maxQueue > (chunk[at + 2] ?? -1)) chunk[at + 2] = maxQueue;
  return held === 0 ? 1 : 0;
}
