/**
 * Dynamo request traces as a report section: per phase, worker and DP rank, the requests served,
 * their time to first token, the router's queue depth at arrival and their tokens; and the rank
 * whose requests waited longest, against the median of the others ("requests routed to DP0 waited
 * 4× longer"). Which ranks got the requests at all is judged with the routing rules (the traces'
 * decisions are routing records: DP_RANK_PINNED).
 */
import type { RequestTraceAccumulator } from '../aggregate/request-traces.ts';
import type { TraceRankRow, TracesReport } from '../model/report.ts';
import { median } from './detect.ts';

/** `undefined` when no trace was read. */
export function summarizeTraces(acc: RequestTraceAccumulator): TracesReport | undefined {
  if (acc.tallies.size === 0 && acc.unranked === 0) return undefined;
  const totals = { prefill: 0, decode: 0 };
  for (const { phase, tally } of acc.tallies.values()) totals[phase] += tally.requests;
  const ranks: TraceRankRow[] = [...acc.tallies.values()]
    .sort((a, b) => (a.phase === b.phase ? 0 : a.phase === 'prefill' ? -1 : 1) || (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0) || a.rank - b.rank)
    .map(({ phase, worker, rank, tally: t }) => ({
      phase,
      workerId: worker,
      rank,
      requests: t.requests,
      share: totals[phase] > 0 ? t.requests / totals[phase] : 0,
      ttftMs: { p50: t.ttftMs.quantile(0.5), p95: t.ttftMs.quantile(0.95), max: t.ttftMs.max },
      queueDepth: { mean: t.queueDepth.mean(), p95: t.queueDepth.quantile(0.95) },
      inputTokens: t.inputTokens,
      outputTokens: t.outputTokens,
    }));
  return { requests: acc.requests, unranked: acc.unranked, ranks, slowest: slowestRank(ranks) };
}

/** Of the phase with the most requests, the rank with the highest TTFT p50 against the median p50 of the others. */
function slowestRank(rows: readonly TraceRankRow[]): TracesReport['slowest'] {
  const phase = rows.some((r) => r.phase === 'prefill') ? 'prefill' : 'decode';
  const timed = rows.filter((r) => r.phase === phase && r.ttftMs.p50 !== null);
  if (timed.length < 2) return null;
  let worst: TraceRankRow | undefined;
  for (const r of timed) if (worst === undefined || (r.ttftMs.p50 ?? 0) > (worst.ttftMs.p50 ?? 0)) worst = r;
  if (worst === undefined) return null;
  const others = median(timed.filter((r) => r !== worst).map((r) => r.ttftMs.p50 ?? 0));
  const ttftP50 = worst.ttftMs.p50 ?? 0;
  return { phase, workerId: worst.workerId, rank: worst.rank, ttftP50, othersP50: others, factor: others > 0 ? ttftP50 / others : null };
}
