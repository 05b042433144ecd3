/**
 * Exact distribution of small non-negative integers (queue depths, running requests): a count per
 * distinct value. Memory grows with the number of distinct values, not with the number of samples,
 * and two histograms merge exactly.
 *
 * Values below DENSE_LIMIT are counted in an array (one increment per sample: this runs for every
 * batch line); others, and anything that is not a non-negative integer, in a map, made only when
 * one comes (every rank of every worker has two histograms: 10,000 small files once held 150,000
 * empty maps, ~25 MiB).
 *
 * A histogram of a few samples keeps no array by value yet: its distinct values and their counts
 * sit in one array of exactly their size (`few`), until FEW_VALUES distinct values or FEW_SAMPLES
 * samples came, when they move into the dense array (so a busy rank's per-line path is the dense
 * one). 10,000 small files, each its own worker of 4 ranks: the dense arrays, grown a value at a
 * time, took 17 MiB (240 bytes a histogram) for ~3 samples each.
 */
const DENSE_LIMIT = 4096;
const FEW_VALUES = 8;
const FEW_SAMPLES = 64;

/** The dense array of every histogram that has none yet: its length (0) is all that is read. */
const NO_COUNTS: number[] = [];

/** A histogram as JSON: [value, samples] pairs in ascending value order. */
export type HistogramJson = ReadonlyArray<readonly [number, number]>;

export class IntHistogram {
  /** dense[v] = samples equal to v, for integers 0 ≤ v < dense.length ≤ DENSE_LIMIT; NO_COUNTS until the values move in */
  private dense: number[] = NO_COUNTS;
  /** before `dense`: [value, samples, value, samples, …] of the distinct integers 0 ≤ v < DENSE_LIMIT seen, in first-seen order */
  private few: number[] | null = null;
  private sparse: Map<number, number> | null = null;
  count = 0;
  sum = 0;
  max: number | null = null;

  add(value: number): void {
    const dense = this.dense;
    // The common case: a small count already seen.
    if (value >= 0 && value < dense.length && Number.isInteger(value)) {
      dense[value] = (dense[value] ?? 0) + 1;
      this.count++;
      this.sum += value;
      if (this.max === null || value > this.max) this.max = value;
      return;
    }
    this.addMany(value, 1);
  }

  /** `count` samples of `value` at once (restoring a saved histogram). */
  addMany(value: number, count: number): void {
    if (count <= 0) return;
    this.place(value, count);
    this.count += count;
    this.sum += value * count;
    if (this.max === null || value > this.max) this.max = value;
  }

  /** Adds `counts[v]` samples of each value v (counts by value, as the kernel's fold keeps them). */
  addCounts(counts: ArrayLike<number>): void {
    let top = counts.length;
    while (top > 0 && (counts[top - 1] ?? 0) === 0) top--;
    if (top === 0) return;
    if (top > DENSE_LIMIT || this.dense === NO_COUNTS) {
      // Value by value: past the dense range, or while the histogram may still hold only a few values.
      for (let v = 0; v < top; v++) this.addMany(v, counts[v] ?? 0);
      return;
    }
    const dense = this.widen(top);
    for (let v = 0; v < top; v++) {
      const n = counts[v] ?? 0;
      if (n === 0) continue;
      dense[v] = (dense[v] ?? 0) + n;
      this.count += n;
      this.sum += v * n;
    }
    if (this.max === null || top - 1 > this.max) this.max = top - 1;
  }

  /** [value, count] pairs of the values seen, in ascending value order. */
  toJSON(): HistogramJson {
    return this.entries().sort((a, b) => a[0] - b[0]);
  }

  static fromJSON(pairs: HistogramJson): IntHistogram {
    const h = new IntHistogram();
    for (const [value, count] of pairs) h.addMany(value, count);
    return h;
  }

  /**
   * [value, samples, …] in ascending value order, when the histogram holds at most `limit` distinct
   * values and all of them are small non-negative integers (whose sum is exact in any order);
   * `null` otherwise. `fromPairs` gives the histogram back: the compact form of a small rank.
   */
  pairs(limit: number): number[] | null {
    if (this.sparse !== null) return null;
    const entries = this.entries();
    if (entries.length > limit) return null;
    const out: number[] = [];
    for (const [value, n] of entries) out.push(value, n);
    return out;
  }

  /**
   * The histogram of `flat[from..to)`, [value, samples] pairs as `pairs` gives them, held as they
   * are (`few`, whatever their number: reading it is the same, and adding to it moves them into
   * the dense array first, placeFew): one array, where adding pair by pair made one per pair.
   */
  static fromPairs(flat: readonly number[], from: number, to: number): IntHistogram {
    const h = new IntHistogram();
    if (to <= from) return h;
    const few = flat.slice(from, to);
    for (let k = 0; k + 1 < few.length; k += 2) {
      const value = few[k] ?? 0;
      const n = few[k + 1] ?? 0;
      h.count += n;
      h.sum += value * n;
      if (h.max === null || value > h.max) h.max = value;
    }
    h.few = few;
    return h;
  }

  entries(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const few = this.few;
    if (few !== null) for (let k = 0; k < few.length; k += 2) out.push([few[k] ?? 0, few[k + 1] ?? 0]);
    for (let v = 0; v < this.dense.length; v++) {
      const n = this.dense[v] ?? 0;
      if (n > 0) out.push([v, n]);
    }
    for (const entry of this.sparse ?? []) out.push(entry);
    return out.sort((a, b) => a[0] - b[0]);
  }

  merge(other: IntHistogram): void {
    // Value by value, no pairs: a report merges every rank's histograms right after reading, in
    // code that runs once (so unoptimized) and whose allocations cost collections.
    const few = other.few;
    if (few !== null) for (let k = 0; k < few.length; k += 2) this.place(few[k] ?? 0, few[k + 1] ?? 0);
    const from = other.dense;
    if (from.length > 0) {
      const dense = this.widen(from.length);
      for (let v = 0; v < from.length; v++) {
        const n = from[v] ?? 0;
        if (n !== 0) dense[v] = (dense[v] ?? 0) + n;
      }
    }
    // Only values the dense array cannot hold are ever in a sparse map (addMany).
    if (other.sparse !== null) {
      const sparse = (this.sparse ??= new Map());
      for (const [value, n] of other.sparse) sparse.set(value, (sparse.get(value) ?? 0) + n);
    }
    this.count += other.count;
    this.sum += other.sum;
    if (other.max !== null && (this.max === null || other.max > this.max)) this.max = other.max;
  }

  /** Arithmetic mean of the samples; `null` when empty. */
  mean(): number | null {
    return this.count === 0 ? null : this.sum / this.count;
  }

  /**
   * Nearest-rank percentile: the smallest value v with at least ⌈p·n⌉ samples ≤ v
   * (so p50 of [1,2,3,4] is 2, p95 of 20 samples is the 19th). `null` when empty.
   */
  quantile(p: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(p * this.count));
    if (this.few !== null) {
      // A few values (and maybe odd ones): one sorted walk over them all.
      let seen = 0;
      for (const [value, n] of this.entries()) {
        seen += n;
        if (seen >= rank) return value;
      }
      return this.max;
    }
    // Dense values and the sorted sparse ones (negative, fractional or large) in one ascending walk.
    const stray = this.sparse === null ? [] : [...this.sparse].sort((a, b) => a[0] - b[0]);
    let s = 0;
    let seen = 0;
    for (let v = 0; v < this.dense.length; v++) {
      for (; s < stray.length && (stray[s]?.[0] ?? 0) < v; s++) {
        seen += stray[s]?.[1] ?? 0;
        if (seen >= rank) return stray[s]?.[0] ?? null;
      }
      seen += this.dense[v] ?? 0;
      if (seen >= rank) return v;
    }
    for (; s < stray.length; s++) {
      seen += stray[s]?.[1] ?? 0;
      if (seen >= rank) return stray[s]?.[0] ?? null;
    }
    return this.max;
  }
  /** `count` samples of `value` into the structure that holds them (count, sum and max are the caller's). */
  private place(value: number, count: number): void {
    if (count <= 0) return;
    if (!(value >= 0 && value < DENSE_LIMIT && Number.isInteger(value))) {
      this.sparse ??= new Map();
      this.sparse.set(value, (this.sparse.get(value) ?? 0) + count);
      return;
    }
    if (this.dense === NO_COUNTS && this.placeFew(value, count)) return;
    const dense = this.widen(value + 1);
    dense[value] = (dense[value] ?? 0) + count;
  }

  /** Adds to `few` while the histogram is small enough for it; false (after moving `few` into `dense`) when it no longer is. */
  private placeFew(value: number, count: number): boolean {
    const few = this.few;
    if (few === null) {
      if (count > FEW_SAMPLES) return false;
      this.few = [value, count];
      return true;
    }
    let samples = count;
    let at = -1;
    for (let k = 0; k < few.length; k += 2) {
      samples += few[k + 1] ?? 0;
      if (few[k] === value) at = k;
    }
    if (samples <= FEW_SAMPLES && (at >= 0 || few.length < 2 * FEW_VALUES)) {
      if (at >= 0) few[at + 1] = (few[at + 1] ?? 0) + count;
      // concat, not push: an array of exactly the values held (push would leave room for ~16 more).
      else this.few = few.concat(value, count);
      return true;
    }
    this.few = null;
    let top = value + 1;
    for (let k = 0; k < few.length; k += 2) top = Math.max(top, (few[k] ?? 0) + 1);
    const dense = this.widen(top);
    for (let k = 0; k < few.length; k += 2) dense[few[k] ?? 0] = (dense[few[k] ?? 0] ?? 0) + (few[k + 1] ?? 0);
    return false;
  }

  /** The dense array, at least `length` long (made now if there is none: any `few` values move into it first). */
  private widen(length: number): number[] {
    let dense = this.dense;
    if (dense === NO_COUNTS) {
      const few = this.few;
      this.few = null;
      dense = [];
      this.dense = dense;
      if (few !== null) for (let k = 0; k < few.length; k += 2) this.place(few[k] ?? 0, few[k + 1] ?? 0);
    }
    while (dense.length < length) dense.push(0);
    return dense;
  }
}
