/**
 * Per-rank totals of periodic engine stats lines (vLLM `Engine NNN: …`). A stats line is a sample,
 * not a batch: `Waiting` is the queue depth at that moment, and prompt throughput × the interval
 * since the previous sample estimates the prefill tokens computed in between.
 */
import type { EngineStatsRecord } from '../parse/types.ts';
import { IntHistogram } from './int-histogram.ts';

/**
 * Interval assumed for the first sample of a rank, or when consecutive samples are further apart
 * than MAX_INTERVAL_MS (a restart or a gap): vLLM logs stats every ~10 s (VLLM_LOG_STATS_INTERVAL,
 * reference dynamo-vllm-trtllm-log-formats.md §1.3, §3.3).
 */
export const DEFAULT_STATS_INTERVAL_MS = 10_000;
export const MAX_INTERVAL_MS = 60_000;

export class EngineStatsAccumulator {
  samples = 0;
  /** Σ prompt throughput × interval: an estimate of prefill tokens computed */
  promptTokens = 0;
  readonly waiting = new IntHistogram();
  readonly running = new IntHistogram();
  firstTime: number | null = null;
  lastTime: number | null = null;
  private previousTime: number | null = null;

  add(record: EngineStatsRecord): void {
    this.samples++;
    if (record.waiting !== undefined) this.waiting.add(record.waiting);
    if (record.running !== undefined) this.running.add(record.running);
    const time = record.time;
    let interval = DEFAULT_STATS_INTERVAL_MS;
    if (time !== undefined) {
      const gap = this.previousTime === null ? null : time - this.previousTime;
      if (gap !== null && gap > 0 && gap <= MAX_INTERVAL_MS) interval = gap;
      this.previousTime = time;
      if (this.firstTime === null || time < this.firstTime) this.firstTime = time;
      if (this.lastTime === null || time > this.lastTime) this.lastTime = time;
    }
    if (record.promptThroughput !== undefined) this.promptTokens += (record.promptThroughput * interval) / 1000;
  }

  merge(other: EngineStatsAccumulator): void {
    this.samples += other.samples;
    this.promptTokens += other.promptTokens;
    this.waiting.merge(other.waiting);
    this.running.merge(other.running);
    if (other.firstTime !== null && (this.firstTime === null || other.firstTime < this.firstTime)) this.firstTime = other.firstTime;
    if (other.lastTime !== null && (this.lastTime === null || other.lastTime > this.lastTime)) this.lastTime = other.lastTime;
  }
}
