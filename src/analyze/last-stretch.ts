/**
 * `--last`: per-rank batches of the last stretch of *log* time (not wall time: a replayed or
 * lagging log is judged by its own clock), from the 5-s buckets the accumulators keep. Ranks are
 * the report's own (aggregate/: DP ranks summed over workers, the same attribution and counting
 * rules: unlabeled lines of a single-rank worker are DP0, lowest TP per DP, PP0 only); ranks the
 * report expects but that ran nothing in the stretch show 0. Balances are the report's (balance.ts).
 */
import { aggregatePhase } from '../aggregate/aggregate.ts';
import { commonBucketWidth } from '../aggregate/bucket-series.ts';
import { workerContexts } from '../aggregate/contexts.ts';
import { BUCKET_MS } from '../aggregate/rank-accumulator.ts';
import type { WorkerState } from '../aggregate/worker-state.ts';
import type { Phase } from '../model/records.ts';
import type { Report } from '../model/report.ts';
import { computeBalance } from './balance.ts';

export interface WindowRank {
  readonly rank: number;
  readonly batches: number;
  /** batches / the stretch's batches (0 when none ran) */
  readonly share: number;
  /** peak #queue-req in the stretch, `null` without queue values */
  readonly queue: { readonly max: number | null };
}

/** A phase in the stretch, with the report phase's headline names. */
export interface SlidingPhase {
  readonly batches: number;
  /** the other ranks' mean / the busiest rank; `null` when nothing ran */
  readonly peerBalance: number | null;
  /** mean/max of batches over the ranks; `null` when nothing ran */
  readonly balance: number | null;
  readonly maxShare: number | null;
  readonly maxRank: number | null;
  readonly ranks: readonly WindowRank[];
}

export interface SlidingWindow {
  readonly seconds: number;
  /** end of the stretch: the latest batch timestamp seen (ISO, UTC) */
  readonly end: string;
  readonly prefill: SlidingPhase | null;
  readonly decode: SlidingPhase | null;
}

/** `null` when no batch line had a timestamp yet. */
export function slidingWindow(workers: readonly WorkerState[], dpSizeFlag: number | null, lastMs: number): SlidingWindow | null {
  const contexts = workerContexts(workers, dpSizeFlag);
  const ranksOf = (phase: Phase) => aggregatePhase(phase, contexts, 'rank').groups[0]?.ranks ?? [];
  const resolved = { prefill: ranksOf('prefill'), decode: ranksOf('decode') };
  const all = [...resolved.prefill, ...resolved.decode];
  let latest = Number.NEGATIVE_INFINITY;
  for (const { totals } of all) if (totals.lastTime !== null && totals.lastTime > latest) latest = totals.lastTime;
  if (!Number.isFinite(latest)) return null;
  // Whole buckets: the stretch covers ⌈lastMs / 5 s⌉ buckets ending with the latest one, or whole
  // wider ones where a long span widened them (bucket-series.ts).
  const unit = commonBucketWidth(all.map((r) => r.totals.buckets));
  const lastBucket = Math.floor(latest / BUCKET_MS / unit) * unit + unit - 1;
  const firstBucket = Math.floor((lastBucket + 1 - Math.max(1, Math.ceil(lastMs / BUCKET_MS))) / unit) * unit;
  const phaseOf = (phase: Phase): SlidingPhase | null => {
    if (resolved[phase].length === 0) return null;
    const counted = resolved[phase].map(({ rank, totals }) => {
      let batches = 0;
      let max: number | null = null;
      totals.buckets.forEach((index, bucketBatches, _tokens, maxQueue) => {
        if (index < firstBucket || index > lastBucket) return;
        batches += bucketBatches;
        if (maxQueue >= 0) max = Math.max(max ?? 0, maxQueue);
      });
      return { rank, batches, max };
    });
    const stats = computeBalance(counted.map((r) => ({ rank: r.rank, value: r.batches })));
    return {
      batches: stats.total,
      peerBalance: stats.peerBalance,
      balance: stats.balance,
      maxShare: stats.maxShare,
      maxRank: stats.maxRank,
      ranks: counted.map((r) => ({ rank: r.rank, batches: r.batches, share: stats.total > 0 ? r.batches / stats.total : 0, queue: { max: r.max } })),
    };
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
