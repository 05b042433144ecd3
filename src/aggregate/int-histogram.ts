/**
 * Exact distribution of small non-negative integers (queue depths, running requests): a count per
 * distinct value. Memory grows with the number of distinct values, not with the number of samples,
 * and two histograms merge exactly.
 *
 * Values below DENSE_LIMIT are counted in an array (one increment per sample: this runs for every
 * batch line); others, and anything that is not a non-negative integer, in a map, made only when
 * one comes (every rank of every worker has two histograms: 10,000 small files once held 150,000
 * empty maps, ~25 MiB).
 */
const DENSE_LIMIT = 4096;

/** A histogram as JSON: [value, samples] pairs in ascending value order. */
export type HistogramJson = ReadonlyArray<readonly [number, number]>;

export class IntHistogram {
  /** dense[v] = samples equal to v, for integers 0 ≤ v < dense.length ≤ DENSE_LIMIT */
  private readonly dense: number[] = [];
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
    const dense = this.dense;
    if (value >= 0 && value < DENSE_LIMIT && Number.isInteger(value)) {
      while (dense.length <= value) dense.push(0);
      dense[value] = (dense[value] ?? 0) + count;
    } else {
      this.sparse ??= new Map();
      this.sparse.set(value, (this.sparse.get(value) ?? 0) + count);
    }
    this.count += count;
    this.sum += value * count;
    if (this.max === null || value > this.max) this.max = value;
  }

  /** Adds `counts[v]` samples of each value v (counts by value, as the kernel's fold keeps them). */
  addCounts(counts: ArrayLike<number>): void {
    let top = counts.length;
    while (top > 0 && (counts[top - 1] ?? 0) === 0) top--;
    if (top === 0) return;
    if (top > DENSE_LIMIT) {
      for (let v = 0; v < top; v++) this.addMany(v, counts[v] ?? 0);
      return;
    }
    const dense = this.dense;
    while (dense.length < top) dense.push(0);
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

  entries(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
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
    const from = other.dense;
    const dense = this.dense;
    while (dense.length < from.length) dense.push(0);
    for (let v = 0; v < from.length; v++) {
      const n = from[v] ?? 0;
      if (n !== 0) dense[v] = (dense[v] ?? 0) + n;
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
}
