/**
 * One rank's 5-s buckets (batches, Σ new tokens, peak queue), the raw material of time windows.
 * Kept compact: buckets of the span a rank is active in sit in Float64Array chunks of CHUNK_SLOTS
 * (24 bytes a bucket; a day of a rank is 400 KiB), and only stray buckets far from that span
 * (garbled or mixed-up timestamps) in a map. At most MAX_BUCKETS distinct buckets are kept, as
 * before: the first ones seen; the caller counts the rest as unbucketed.
 */

/** One 5-s slice of one rank: batches, Σ new tokens, peak #queue-req (−1: no queue value). */
export interface Bucket {
  batches: number;
  newTokens: number;
  maxQueue: number;
}

/** Fields per bucket in the dense span: batches, new tokens, max queue. */
const FIELDS = 3;
/**
 * Buckets per chunk of the dense span (21 minutes, 6 KiB). The span grows by whole chunks, so
 * nothing is copied: one growing array left its old copies behind, outside the V8 heap, which V8
 * frees late (5 GB of logs, 25 h: peak RSS 150 instead of ~125 MiB).
 */
const CHUNK_SLOTS = 256;
const CHUNK_SHIFT = 8;
/**
 * The dense span may cover at most this many times the buckets it holds (plus a day): a rank that
 * logs steadily fills its span, while a stray timestamp months away would make it mostly empty.
 */
const MAX_EMPTY_RATIO = 4;
const SLACK_SLOTS = 17_280;

/**
 * A series as it is laid out, for handing it to another thread without a bucket-by-bucket copy:
 * the dense span's chunks one after the other in `dense` (from bucket `base`), the stray buckets
 * as (index, batches, new tokens, max queue) in `stray`.
 */
export interface DenseBuckets {
  readonly base: number;
  readonly size: number;
  readonly dense: Float64Array;
  readonly stray: Float64Array;
}

export class BucketSeries {
  /** distinct buckets held */
  size = 0;
  private readonly maxBuckets: number;
  /** bucket index of dense slot 0; NaN while empty */
  private base = Number.NaN;
  /** the dense span: slot s is at chunks[s >> CHUNK_SHIFT], offset (s % CHUNK_SLOTS) · FIELDS */
  private readonly chunks: Float64Array[] = [];
  private readonly sparse = new Map<number, Bucket>();
  /**
   * Buckets as read from a summary (index, batches, tokens, queue, …), kept as they came until
   * this series is changed: a part that is only merged into another and then dropped never builds
   * arrays of its own. (From a worker thread they come as chunks: fromDense.)
   */
  private flat: ArrayLike<number> | null = null;

  constructor(maxBuckets: number) {
    this.maxBuckets = maxBuckets;
  }

  /** A series holding `flat` (index, batches, new tokens, max queue per bucket, ascending, at most maxBuckets). */
  static fromFlat(flat: ArrayLike<number>, maxBuckets: number): BucketSeries {
    const series = new BucketSeries(maxBuckets);
    series.flat = flat;
    series.size = Math.floor(flat.length / 4);
    return series;
  }

  /** This series' layout (see DenseBuckets); fresh arrays, so their buffers can be transferred. */
  toDense(): DenseBuckets {
    if (this.flat !== null) this.materialize();
    const dense = new Float64Array(this.chunks.length * CHUNK_SLOTS * FIELDS);
    this.chunks.forEach((chunk, c) => dense.set(chunk, c * CHUNK_SLOTS * FIELDS));
    const stray = new Float64Array(this.sparse.size * 4);
    let k = 0;
    for (const [index, b] of this.sparse) {
      stray[k++] = index;
      stray[k++] = b.batches;
      stray[k++] = b.newTokens;
      stray[k++] = b.maxQueue;
    }
    return { base: this.base, size: this.size, dense, stray };
  }

  /**
   * The series `toDense` gave, its chunks views of `d.dense`: merging it into another adds chunk
   * to chunk, where a flat form is added bucket by bucket (a report merges every worker's series
   * in code that runs once, unoptimized: exit-safety.ts).
   */
  static fromDense(d: DenseBuckets, maxBuckets: number): BucketSeries {
    const series = new BucketSeries(maxBuckets);
    const width = CHUNK_SLOTS * FIELDS;
    for (let at = 0; at + width <= d.dense.length; at += width) series.chunks.push(d.dense.subarray(at, at + width));
    series.base = series.chunks.length === 0 ? Number.NaN : d.base;
    for (let k = 0; k + 3 < d.stray.length; k += 4) {
      series.sparse.set(d.stray[k] ?? 0, { batches: d.stray[k + 1] ?? 0, newTokens: d.stray[k + 2] ?? 0, maxQueue: d.stray[k + 3] ?? -1 });
    }
    series.size = d.size;
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
   * Writes flat buckets straight into a dense span of their own, when they are strictly ascending
   * (as forEach writes them) and dense enough; false, holding nothing, otherwise.
   */
  private fillDense(flat: ArrayLike<number>): boolean {
    const n = Math.floor(flat.length / 4);
    if (n === 0) return false;
    const first = flat[0] ?? 0;
    const last = flat[4 * (n - 1)] ?? 0;
    const span = last - first + 1;
    if (!(span >= n && span <= MAX_EMPTY_RATIO * n + SLACK_SLOTS && n <= this.maxBuckets)) return false;
    const base = Math.floor(first / CHUNK_SLOTS) * CHUNK_SLOTS;
    const chunks = Array.from({ length: Math.ceil((first + span - base) / CHUNK_SLOTS) }, () => new Float64Array(CHUNK_SLOTS * FIELDS));
    let previous = Number.NEGATIVE_INFINITY;
    for (let k = 0; k + 3 < flat.length; k += 4) {
      const index = flat[k] ?? 0;
      const batches = flat[k + 1] ?? 0;
      if (!(index > previous && index <= last) || !Number.isInteger(index) || batches <= 0) return false;
      previous = index;
      const slot = index - base;
      const chunk = chunks[slot >> CHUNK_SHIFT] as Float64Array;
      const at = (slot & (CHUNK_SLOTS - 1)) * FIELDS;
      chunk[at] = batches;
      chunk[at + 1] = flat[k + 2] ?? 0;
      chunk[at + 2] = flat[k + 3] ?? -1;
    }
    this.base = base;
    this.chunks.push(...chunks);
    this.size = n;
    return true;
  }

  /**
   * Adds flat buckets (index, batches, new tokens, max queue, …) in their order, as `add` would
   * one by one; returns the batches not taken.
   */
  addAll(flat: ArrayLike<number>): number {
    let dropped = 0;
    for (let k = 0; k + 3 < flat.length; k += 4) {
      const index = flat[k] ?? 0;
      const batches = flat[k + 1] ?? 0;
      const newTokens = flat[k + 2] ?? 0;
      const maxQueue = flat[k + 3] ?? -1;
      if (!this.addInSpan(index, batches, newTokens, maxQueue) && !this.add(index, batches, newTokens, maxQueue)) dropped += batches;
    }
    return dropped;
  }

  /**
   * `add` for the common case, a bucket inside the dense span: true when done, false to call `add`.
   * Merging adds every bucket of one series to another, tens of thousands in a report, right
   * after reading, when V8 no longer optimizes (exit-safety.ts): the fewer calls the better.
   */
  private addInSpan(index: number, batches: number, newTokens: number, maxQueue: number): boolean {
    const slot = index - this.base;
    if (!(slot >= 0 && slot < this.chunks.length * CHUNK_SLOTS)) return false;
    const chunk = this.chunks[slot >> CHUNK_SHIFT] as Float64Array;
    const at = (slot & (CHUNK_SLOTS - 1)) * FIELDS;
    const held = chunk[at] ?? 0;
    if (held === 0) {
      if (this.size >= this.maxBuckets || this.sparse.has(index)) return false;
      this.size++;
      chunk[at] = batches;
      chunk[at + 1] = newTokens;
      chunk[at + 2] = maxQueue;
      return true;
    }
    chunk[at] = held + batches;
    chunk[at + 1] = (chunk[at + 1] ?? 0) + newTokens;
    if (maxQueue > (chunk[at + 2] ?? -1)) chunk[at + 2] = maxQueue;
    return true;
  }

  /**
   * Add `batches` batches with `newTokens` and peak `maxQueue` (−1: none) to bucket `index`.
   * Returns false, changing nothing, when it is a new bucket and MAX_BUCKETS are already held.
   */
  add(index: number, batches: number, newTokens: number, maxQueue: number): boolean {
    if (this.flat !== null) this.materialize();
    let slot = this.slotOf(index);
    if (slot === -1 || this.valueAt(slot, 0) === 0) {
      if (this.sparse.has(index)) {
        const b = this.sparse.get(index);
        if (b !== undefined) {
          b.batches += batches;
          b.newTokens += newTokens;
          if (maxQueue > b.maxQueue) b.maxQueue = maxQueue;
        }
        return true;
      }
      if (this.size >= this.maxBuckets) return false;
      this.size++;
      if (slot === -1) slot = this.growTo(index);
      if (slot === -1) {
        this.sparse.set(index, { batches, newTokens, maxQueue });
        return true;
      }
      (this.chunks[slot >> CHUNK_SHIFT] as Float64Array)[(slot & (CHUNK_SLOTS - 1)) * FIELDS + 2] = -1;
    }
    const chunk = this.chunks[slot >> CHUNK_SHIFT] as Float64Array;
    const at = (slot & (CHUNK_SLOTS - 1)) * FIELDS;
    chunk[at] = (chunk[at] ?? 0) + batches;
    chunk[at + 1] = (chunk[at + 1] ?? 0) + newTokens;
    if (maxQueue > (chunk[at + 2] ?? -1)) chunk[at + 2] = maxQueue;
    return true;
  }

  get(index: number): Bucket | undefined {
    if (this.flat !== null) this.materialize();
    const slot = this.slotOf(index);
    if (slot !== -1 && this.valueAt(slot, 0) > 0) return this.bucketAt(slot);
    return this.sparse.get(index);
  }

  /**
   * Calls `visit` for every bucket in ascending index order, allocating nothing: the hot way in
   * (merging task outputs and workers, time windows, serialising).
   */
  forEach(visit: (index: number, batches: number, newTokens: number, maxQueue: number) => void): void {
    const flat = this.flat;
    if (flat !== null) {
      for (let k = 0; k + 3 < flat.length; k += 4) visit(flat[k] ?? 0, flat[k + 1] ?? 0, flat[k + 2] ?? 0, flat[k + 3] ?? -1);
      return;
    }
    const stray = this.sparse.size === 0 ? [] : [...this.sparse.entries()].sort((a, b) => a[0] - b[0]);
    let s = 0;
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as Float64Array;
      const first = this.base + c * CHUNK_SLOTS;
      for (let at = 0, index = first; at < chunk.length; at += FIELDS, index++) {
        const batches = chunk[at] ?? 0;
        if (batches === 0) continue;
        for (; s < stray.length && (stray[s]?.[0] ?? 0) < index; s++) visitStray(stray[s] as [number, Bucket], visit);
        visit(index, batches, chunk[at + 1] ?? 0, chunk[at + 2] ?? -1);
      }
    }
    for (; s < stray.length; s++) visitStray(stray[s] as [number, Bucket], visit);
  }

  /** The lowest and the highest bucket index held, as forEach visits them; null when empty. */
  indexRange(): readonly [number, number] | null {
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    const flat = this.flat;
    if (flat !== null) {
      for (let k = 0; k + 3 < flat.length; k += 4) {
        const index = flat[k] ?? 0;
        if (index < first) first = index;
        if (index > last) last = index;
      }
    } else {
      for (const index of this.sparse.keys()) {
        if (index < first) first = index;
        if (index > last) last = index;
      }
      const slots = this.chunks.length * CHUNK_SLOTS;
      for (let slot = 0; slot < slots; slot++) {
        if (this.valueAt(slot, 0) === 0) continue;
        first = Math.min(first, this.base + slot);
        break;
      }
      for (let slot = slots - 1; slot >= 0; slot--) {
        if (this.valueAt(slot, 0) === 0) continue;
        last = Math.max(last, this.base + slot);
        break;
      }
    }
    return first <= last ? [first, last] : null;
  }

  /**
   * Per window of `perWindow` buckets from bucket `first` on, `count` windows: batches and new
   * tokens summed and the peak queue (−1: none), added in forEach's order. What forEach with a
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
      for (let k = 0; k + 3 < flat.length; k += 4) put(flat[k] ?? 0, flat[k + 1] ?? 0, flat[k + 2] ?? 0, flat[k + 3] ?? -1);
      return { batches, newTokens, maxQueue };
    }
    const stray = this.sparse.size === 0 ? [] : [...this.sparse.entries()].sort((a, b) => a[0] - b[0]);
    let s = 0;
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as Float64Array;
      const chunkFirst = this.base + c * CHUNK_SLOTS;
      // A chunk's slots fall in one or a few windows: sum them per window in a tight loop.
      for (let at = 0, index = chunkFirst; at < chunk.length; ) {
        for (; s < stray.length && (stray[s]?.[0] ?? 0) < index; s++) {
          const [i, b] = stray[s] as [number, Bucket];
          put(i, b.batches, b.newTokens, b.maxQueue);
        }
        const w = Math.floor((index - first) / perWindow);
        // Slots up to the window's end, or the chunk's, or the next stray bucket's (whose own slot
        // is empty: a bucket is either stray or dense), whichever comes first.
        const strayAt = s < stray.length ? (stray[s]?.[0] ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
        const end = Math.min(chunk.length, at + (first + (w + 1) * perWindow - index) * FIELDS, at + (Math.floor(strayAt) - index + 1) * FIELDS);
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
        index += (end - at) / FIELDS;
        at = end;
      }
    }
    for (; s < stray.length; s++) {
      const [i, b] = stray[s] as [number, Bucket];
      put(i, b.batches, b.newTokens, b.maxQueue);
    }
    return { batches, newTokens, maxQueue };
  }

  /**
   * Adds every bucket of `other`; returns the batches of buckets not taken (new ones past
   * maxBuckets). An empty series takes the other's flat form as it is (it is never written to).
   */
  mergeFrom(other: BucketSeries): number {
    if (this.size === 0 && this.flat === null && other.flat !== null && other.size <= this.maxBuckets) {
      this.flat = other.flat;
      this.size = other.size;
      return 0;
    }
    if (this.chunks.length === 0 && this.sparse.size === 0 && this.flat === null && other.flat === null && other.sparse.size === 0 && other.size <= this.maxBuckets) {
      // An empty series takes copies of the other's dense chunks (native copies, no loop here).
      this.base = other.base;
      for (const chunk of other.chunks) this.chunks.push(chunk.slice());
      this.size = other.size;
      return 0;
    }
    if (this.flat !== null) this.materialize();
    if (other.flat !== null) return this.addAll(other.flat);
    let dropped = 0;
    if (other.sparse.size === 0) {
      // Dense only: its chunks are read here, in the same ascending order as forEach. A chunk that
      // lies in this one's span, with no stray bucket or cap to mind, is added slot by slot.
      const whole = this.sparse.size === 0 && this.size + other.size <= this.maxBuckets;
      for (let c = 0; c < other.chunks.length; c++) {
        const chunk = other.chunks[c] as Float64Array;
        const mine = whole ? this.chunks[(other.base + c * CHUNK_SLOTS - this.base) / CHUNK_SLOTS] : undefined;
        if (mine !== undefined) {
          this.size += addChunk(mine, chunk);
          continue;
        }
        for (let at = 0, index = other.base + c * CHUNK_SLOTS; at < chunk.length; at += FIELDS, index++) {
          const batches = chunk[at] ?? 0;
          if (batches === 0) continue;
          const newTokens = chunk[at + 1] ?? 0;
          const maxQueue = chunk[at + 2] ?? -1;
          if (!this.addInSpan(index, batches, newTokens, maxQueue) && !this.add(index, batches, newTokens, maxQueue)) dropped += batches;
        }
      }
      return dropped;
    }
    other.forEach((index, batches, newTokens, maxQueue) => {
      if (!this.add(index, batches, newTokens, maxQueue)) dropped += batches;
    });
    return dropped;
  }

  /** [index, bucket] in ascending index order; the buckets are copies (tests; the code uses forEach). */
  entries(): IterableIterator<[number, Bucket]> {
    const all: Array<[number, Bucket]> = [];
    this.forEach((index, batches, newTokens, maxQueue) => all.push([index, { batches, newTokens, maxQueue }]));
    return all[Symbol.iterator]();
  }

  private valueAt(slot: number, field: number): number {
    return (this.chunks[slot >> CHUNK_SHIFT] as Float64Array)[(slot & (CHUNK_SLOTS - 1)) * FIELDS + field] ?? 0;
  }

  private bucketAt(slot: number): Bucket {
    return { batches: this.valueAt(slot, 0), newTokens: this.valueAt(slot, 1), maxQueue: this.valueAt(slot, 2) };
  }

  /** The dense slot of `index`, or −1 when it lies outside the dense span. */
  private slotOf(index: number): number {
    const slot = index - this.base;
    return slot >= 0 && slot < this.chunks.length * CHUNK_SLOTS ? slot : -1;
  }

  /** Widen the dense span to hold `index` if that keeps it dense enough; its slot, or −1 (sparse). */
  private growTo(index: number): number {
    const chunks = this.chunks;
    if (chunks.length === 0) {
      // Chunks start at multiples of CHUNK_SLOTS, in every series: merging two is chunk by chunk.
      this.base = Math.floor(index / CHUNK_SLOTS) * CHUNK_SLOTS;
      chunks.push(new Float64Array(CHUNK_SLOTS * FIELDS));
      return index - this.base;
    }
    const slots = chunks.length * CHUNK_SLOTS;
    const low = Math.min(this.base, index);
    const high = Math.max(this.base + slots - 1, index);
    const span = high - low + 1;
    if (span > MAX_EMPTY_RATIO * this.size + SLACK_SLOTS || span > this.maxBuckets) return -1;
    // Whole chunks on the side that grew; the ones already there stay where they are.
    if (index < this.base) {
      const added = Math.ceil((this.base - index) / CHUNK_SLOTS);
      chunks.unshift(...Array.from({ length: added }, () => new Float64Array(CHUNK_SLOTS * FIELDS)));
      this.base -= added * CHUNK_SLOTS;
    } else {
      while (this.base + chunks.length * CHUNK_SLOTS <= index) chunks.push(new Float64Array(CHUNK_SLOTS * FIELDS));
    }
    return index - this.base;
  }
}

/** Adds chunk `from` into the chunk `into` of the same slots; returns the buckets new to `into`. */
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

function visitStray([index, b]: [number, Bucket], visit: (index: number, batches: number, newTokens: number, maxQueue: number) => void): void {
  visit(index, b.batches, b.newTokens, b.maxQueue);
}
