/** Report rows from accumulated totals: shares, quantiles and ISO times. */
import type { RankGroupData } from '../aggregate/aggregate.ts';
import type { JudgedGroup } from './detect.ts';
import type { Phase } from '../model/records.ts';
import type { RankGroup, RankRow } from '../model/report.ts';

export function toRankGroup(phase: Phase, judged: JudgedGroup, byWorker: boolean): RankGroup {
  const { data } = judged;
  const batchTotal = judged.batches.total;
  const tokenTotal = judged.tokens === null ? null : judged.tokens.total;
  return {
    worker: data.worker,
    ranks: data.ranks.map((r) => toRankRow(phase, r, byWorker ? data.worker : null, batchTotal, tokenTotal)),
    batchStats: judged.batches,
    tokenStats: judged.tokens,
  };
}

function toRankRow(
  phase: Phase,
  { rank, totals }: RankGroupData['ranks'][number],
  worker: string | null,
  batchTotal: number,
  /** `null`: tokens not measured in this group */
  tokenTotal: number | null,
): RankRow {
  const prefill = phase === 'prefill';
  return {
    rank,
    worker,
    batches: totals.batches,
    share: batchTotal > 0 ? totals.batches / batchTotal : 0,
    newTokens: tokenTotal === null ? null : totals.newTokens,
    tokenShare: tokenTotal === null ? null : tokenTotal > 0 ? totals.newTokens / tokenTotal : 0,
    newSeqs: prefill ? totals.newSeqs : null,
    cachedTokens: prefill ? totals.cachedTokens : null,
    queue: { max: totals.queue.max, p50: totals.queue.quantile(0.5), p95: totals.queue.quantile(0.95), mean: totals.queue.mean() },
    running: { max: totals.running.max, mean: totals.running.mean() },
    firstTime: isoTime(totals.firstTime),
    lastTime: isoTime(totals.lastTime),
  };
}

export function isoTime(ms: number | null): string | null {
  if (ms === null || !Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
