/**
 * Per-rank totals of periodic engine stats lines (vLLM `Engine NNN: …`). A stats line is a sample,
 * not a batch: `Waiting` is the queue depth at that moment, and prompt throughput × the interval
 * since the previous sample estimates the prefill tokens computed in between.
 */
import type { EngineStatsRecord } from '../model/records.ts';
import { IntHistogram, type HistogramJson } from './int-histogram.ts';

/**
 * Interval assumed for the first sample of a rank, or when consecutive samples are further apart
 * than MAX_INTERVAL_MS (a restart or a gap): vLLM logs stats every ~10 s (VLLM_LOG_STATS_INTERVAL).
 */
export const DEFAULT_STATS_INTERVAL_MS = 10_000;
export const MAX_INTERVAL_MS = 60_000;

/** An EngineStatsAccumulator as JSON. */
export interface EngineJson {
  readonly samples: number;
  /** the estimate in tokens (for reading); `promptMicroTokens` is the exact value merges use */
  readonly promptTokens: number;
  /** exact Σ in millionths of a token, as decimal digits (absent in summaries before 0.2) */
  readonly promptMicroTokens?: string;
  /** the last timed sample and the first one, for the interval across a merge (absent before 0.2) */
  readonly previousTime?: number | null;
  readonly firstTimed?: { readonly time: number; readonly milliThroughput: number | null } | null;
  readonly waiting: HistogramJson;
  readonly running: HistogramJson;
  readonly firstTime: number | null;
  readonly lastTime: number | null;
}

export class EngineStatsAccumulator {
  samples = 0;
  /**
   * Σ round(prompt throughput × 1000) × interval in ms: the prompt-token estimate in millionths of
   * a token, as an exact integer, so that sums of parts equal the sum of the whole bit for bit.
   */
  promptMicroTokens = 0n;
  readonly waiting = new IntHistogram();
  readonly running = new IntHistogram();
  firstTime: number | null = null;
  lastTime: number | null = null;
  /** time of the last timed sample, in log order: the start of the next sample's interval */
  previousTime: number | null = null;
  /**
   * The first timed sample of this part, which had no previous sample and so got the default
   * interval: when this part is merged after another, its interval is corrected (`merge`).
   */
  firstTimed: { readonly time: number; readonly milliThroughput: number | null } | null = null;

  /** Σ prompt throughput × interval: an estimate of prefill tokens computed */
  get promptTokens(): number {
    return Number(this.promptMicroTokens) / 1e6;
  }

  add(record: EngineStatsRecord): void {
    this.samples++;
    if (record.waiting !== undefined) this.waiting.add(record.waiting);
    if (record.running !== undefined) this.running.add(record.running);
    const milli = record.promptThroughput === undefined ? null : Math.round(record.promptThroughput * 1000);
    const time = record.time;
    let interval = DEFAULT_STATS_INTERVAL_MS;
    if (time !== undefined) {
      if (this.previousTime === null) this.firstTimed ??= { time, milliThroughput: milli };
      interval = intervalAfter(this.previousTime, time);
      this.previousTime = time;
      if (this.firstTime === null || time < this.firstTime) this.firstTime = time;
      if (this.lastTime === null || time > this.lastTime) this.lastTime = time;
    }
    if (milli !== null && Number.isFinite(milli)) this.promptMicroTokens += BigInt(milli) * BigInt(interval);
  }

  /**
   * Add `other`, the part of the same engine's log that comes after this one: the result is what
   * reading both in order would give, the first interval of `other` included.
   */
  toJSON(): EngineJson {
    return {
      samples: this.samples,
      promptTokens: this.promptTokens,
      promptMicroTokens: this.promptMicroTokens.toString(),
      previousTime: this.previousTime,
      firstTimed: this.firstTimed,
      waiting: this.waiting.toJSON(),
      running: this.running.toJSON(),
      firstTime: this.firstTime,
      lastTime: this.lastTime,
    };
  }

  static fromJSON(j: EngineJson): EngineStatsAccumulator {
    const a = new EngineStatsAccumulator();
    a.samples = j.samples;
    a.promptMicroTokens = j.promptMicroTokens !== undefined && /^-?\d+$/.test(j.promptMicroTokens) ? BigInt(j.promptMicroTokens) : BigInt(Math.round(j.promptTokens * 1e6));
    a.previousTime = j.previousTime ?? null;
    a.firstTimed = j.firstTimed ?? null;
    a.waiting.merge(IntHistogram.fromJSON(j.waiting));
    a.running.merge(IntHistogram.fromJSON(j.running));
    a.firstTime = j.firstTime;
    a.lastTime = j.lastTime;
    return a;
  }

  merge(other: EngineStatsAccumulator): void {
    const first = other.firstTimed;
    if (first !== null && this.previousTime !== null && first.milliThroughput !== null && Number.isFinite(first.milliThroughput)) {
      const corrected = intervalAfter(this.previousTime, first.time);
      this.promptMicroTokens += BigInt(first.milliThroughput) * BigInt(corrected - DEFAULT_STATS_INTERVAL_MS);
    }
    if (this.previousTime === null) this.firstTimed ??= first;
    this.previousTime = other.previousTime ?? this.previousTime;
    this.samples += other.samples;
    this.promptMicroTokens += other.promptMicroTokens;
    this.waiting.merge(other.waiting);
    this.running.merge(other.running);
    if (other.firstTime !== null && (this.firstTime === null || other.firstTime < this.firstTime)) this.firstTime = other.firstTime;
    if (other.lastTime !== null && (this.lastTime === null || other.lastTime > this.lastTime)) this.lastTime = other.lastTime;
  }
}

/** The interval a sample at `time` covers: the gap since the previous one, or the default for the first sample, a backwards step or a gap over MAX_INTERVAL_MS. */
export function intervalAfter(previous: number | null, time: number): number {
  const gap = previous === null ? null : time - previous;
  return gap !== null && gap > 0 && gap <= MAX_INTERVAL_MS ? gap : DEFAULT_STATS_INTERVAL_MS;
}
