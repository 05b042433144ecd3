/**
 * Exact distribution of small non-negative integers (queue depths, running requests): a count per
 * distinct value. Memory grows with the number of distinct values, not with the number of samples,
 * and two histograms merge exactly.
 */
export class IntHistogram {
  private readonly counts = new Map<number, number>();
  count = 0;
  sum = 0;
  max: number | null = null;

  add(value: number): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
    this.count++;
    this.sum += value;
    if (this.max === null || value > this.max) this.max = value;
  }

  /** `count` samples of `value` at once (restoring a saved histogram). */
  addMany(value: number, count: number): void {
    if (count <= 0) return;
    this.counts.set(value, (this.counts.get(value) ?? 0) + count);
    this.count += count;
    this.sum += value * count;
    if (this.max === null || value > this.max) this.max = value;
  }

  /** [value, count] pairs, in no particular order. */
  entries(): IterableIterator<[number, number]> {
    return this.counts.entries();
  }

  merge(other: IntHistogram): void {
    for (const [value, n] of other.counts) this.counts.set(value, (this.counts.get(value) ?? 0) + n);
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
    const values = [...this.counts.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const value of values) {
      seen += this.counts.get(value) ?? 0;
      if (seen >= rank) return value;
    }
    return this.max;
  }
}
