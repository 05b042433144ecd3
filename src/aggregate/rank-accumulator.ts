/** Running totals of one rank's batch lines: O(1) per line, memory independent of line count. */
import type { BatchRecord } from '../parse/types.ts';
import { IntHistogram } from './int-histogram.ts';

export class RankAccumulator {
  batches = 0;
  newTokens = 0;
  newSeqs = 0;
  cachedTokens = 0;
  readonly queue = new IntHistogram();
  readonly running = new IntHistogram();
  firstTime: number | null = null;
  lastTime: number | null = null;

  add(record: BatchRecord): void {
    this.batches++;
    if (record.newTokens !== undefined) this.newTokens += record.newTokens;
    if (record.newSeq !== undefined) this.newSeqs += record.newSeq;
    if (record.cachedTokens !== undefined) this.cachedTokens += record.cachedTokens;
    if (record.queue !== undefined) this.queue.add(record.queue);
    if (record.running !== undefined) this.running.add(record.running);
    const time = record.time;
    if (time !== undefined) {
      // Lines are not time-ordered across files and ranks, so keep min and max rather than first and last seen.
      if (this.firstTime === null || time < this.firstTime) this.firstTime = time;
      if (this.lastTime === null || time > this.lastTime) this.lastTime = time;
    }
  }

  merge(other: RankAccumulator): void {
    this.batches += other.batches;
    this.newTokens += other.newTokens;
    this.newSeqs += other.newSeqs;
    this.cachedTokens += other.cachedTokens;
    this.queue.merge(other.queue);
    this.running.merge(other.running);
    if (other.firstTime !== null && (this.firstTime === null || other.firstTime < this.firstTime)) this.firstTime = other.firstTime;
    if (other.lastTime !== null && (this.lastTime === null || other.lastTime > this.lastTime)) this.lastTime = other.lastTime;
  }
}
