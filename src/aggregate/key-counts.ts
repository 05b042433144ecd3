/**
 * Counts per string key, in first-seen order, with the last key's count kept aside: lines of one
 * input nearly always come from one family, so most increments touch no map, and a single key
 * never makes one (every input and every worker has a KeyCounts: 10,000 small files, 20,000 maps).
 */
export class KeyCounts {
  /** every key but `lastKey` in first-seen order (`lastKey` too once another key came after it); `null` until a second key */
  private counts: Map<string, number> | null = null;
  private lastKey: string | null = null;
  private lastCount = 0;

  add(key: string, n = 1): void {
    if (key === this.lastKey) {
      this.lastCount += n;
      return;
    }
    this.flush();
    this.lastKey = key;
    this.lastCount = (this.counts?.get(key) ?? 0) + n;
  }

  get(key: string): number | undefined {
    return key === this.lastKey ? this.lastCount : this.counts?.get(key);
  }

  /** [key, count] in first-seen order. */
  entries(): Array<[string, number]> {
    if (this.counts === null) return this.lastKey === null ? [] : [[this.lastKey, this.lastCount]];
    this.flush();
    return [...this.counts];
  }

  /** Add every count of `other` (first-seen order: this one's keys, then the new ones). */
  merge(other: KeyCounts): void {
    for (const [key, n] of other.entries()) this.add(key, n);
  }

  private flush(): void {
    if (this.lastKey !== null) (this.counts ??= new Map()).set(this.lastKey, this.lastCount);
  }
}
