/**
 * `--last`: per-rank batches of the last stretch of *log* time (not wall time: a replayed or
 * lagging log is judged by its own clock), from the 5-s buckets the accumulators keep. Ranks are
 * DP ranks summed over workers, with the same counting rules as the report (lowest TP per DP,
 * PP0 only); ranks the report expects but that ran nothing in the stretch show 0.
 */
import { commonBucketWidth } from '../aggregate/bucket-series.ts';
import { BUCKET_MS } from '../aggregate/rank-accumulator.ts';
import type { WorkerState } from '../aggregate/worker-state.ts';
import type { Phase } from '../model/records.ts';
import type { Report } from '../model/report.ts';

export interface WindowRank {
  readonly rank: number;
  readonly batches: number;
  /** peak #queue-req in the stretch, `null` without queue values */
  readonly queueMax: number | null;
}

export interface SlidingPhase {
  readonly ranks: readonly WindowRank[];
  readonly batches: number;
  /** mean/max of batches over the ranks; `null` when nothing ran */
  readonly balance: number | null;
}

export interface SlidingWindow {
  readonly seconds: number;
  /** end of the stretch: the latest batch timestamp seen (ISO, UTC) */
  readonly end: string;
  readonly prefill: SlidingPhase | null;
  readonly decode: SlidingPhase | null;
}

/** `null` when no batch line had a timestamp yet. */
export function slidingWindow(workers: readonly WorkerState[], report: Report, lastMs: number): SlidingWindow | null {
  const resolved = { prefill: workers.map((w) => w.phases.prefill.resolve().ranks), decode: workers.map((w) => w.phases.decode.resolve().ranks) };
  let latest = Number.NEGATIVE_INFINITY;
  for (const ranks of [...resolved.prefill, ...resolved.decode]) {
    for (const acc of ranks.values()) if (acc.lastTime !== null && acc.lastTime > latest) latest = acc.lastTime;
  }
  if (!Number.isFinite(latest)) return null;
  // Whole buckets: the stretch covers ⌈lastMs / 5 s⌉ buckets ending with the latest one, or whole
  // wider ones where a long span widened them (bucket-series.ts).
  const unit = commonBucketWidth([...resolved.prefill, ...resolved.decode].flatMap((ranks) => [...ranks.values()].map((acc) => acc.buckets)));
  const lastBucket = Math.floor(latest / BUCKET_MS / unit) * unit + unit - 1;
  const firstBucket = Math.floor((lastBucket + 1 - Math.max(1, Math.ceil(lastMs / BUCKET_MS))) / unit) * unit;
  const phaseOf = (phase: Phase): SlidingPhase | null => {
    const expected = new Set(report[phase].groups.flatMap((g) => g.ranks.map((r) => r.rank)));
    const batches = new Map<number, number>();
    const queues = new Map<number, number>();
    for (const ranks of resolved[phase]) {
      for (const [dp, acc] of ranks) {
        expected.add(dp);
        acc.buckets.forEach((index, bucketBatches, _tokens, maxQueue) => {
          if (index < firstBucket || index > lastBucket) return;
          batches.set(dp, (batches.get(dp) ?? 0) + bucketBatches);
          if (maxQueue >= 0) queues.set(dp, Math.max(queues.get(dp) ?? 0, maxQueue));
        });
      }
    }
    if (expected.size === 0) return null;
    const ranks = [...expected].sort((a, b) => a - b).map((rank) => ({ rank, batches: batches.get(rank) ?? 0, queueMax: queues.get(rank) ?? null }));
    const total = ranks.reduce((s, r) => s + r.batches, 0);
    const max = Math.max(...ranks.map((r) => r.batches));
    return { ranks, batches: total, balance: total === 0 ? null : total / ranks.length / max };
  };
  return { seconds: ((lastBucket - firstBucket + 1) * BUCKET_MS) / 1000, end: new Date(latest).toISOString(), prefill: phaseOf('prefill'), decode: phaseOf('decode') };
}

/** What `dpskew watch` judges every interval (watch/watch.ts), and what renderers draw of it. */
export interface Snapshot {
  /** the whole run so far */
  readonly report: Report;
  readonly window: SlidingWindow | null;
  /** wall-clock ms */
  readonly time: number;
  readonly rotations: number;
  readonly truncations: number;
}

/** `ended`: stdin and every other stream closed (and no file or directory is followed); `alert`: onAlert asked to stop; `interrupted`: Ctrl-C. */
export type WatchOutcome = 'ended' | 'alert' | 'interrupted';
