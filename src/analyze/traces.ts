/**
 * Dynamo request traces as a report section: per phase, worker and DP rank, the requests served,
 * their time to first token, the router's queue depth at arrival and their tokens; and the rank
 * whose requests waited longest, against the median of the others ("requests routed to DP0 waited
 * 4× longer"). Which ranks got the requests at all is judged with the routing rules (the traces'
 * decisions are routing records: DP_RANK_PINNED).
 */
import type { RequestTraceAccumulator } from '../aggregate/request-traces.ts';
import type { Finding, Thresholds, TraceRankRow, TracesReport } from '../model/report.ts';
import { median, mediansOfOthers } from './detect.ts';

/**
 * TTFT_SKEW warns when a rank's TTFT p50 is at least this many times the median of its worker's
 * other ranks' p50: a ratio to the others' median, so it means the same at any rank count, and on
 * the p50, so a few slow requests (a long prompt, a cold cache) cannot raise it. Twice as long is
 * far beyond the jitter of ranks fed alike (their p50s differ by percents), and half the 4× of the
 * Dynamo PR #7984 shape, where every request queued on DP0.
 */
export const TTFT_SKEW_FACTOR = 2;

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

/**
 * TTFT_SKEW, per phase and worker: the rank whose TTFT p50 is ≥ TTFT_SKEW_FACTOR × the median p50 of
 * the worker's other ranks. Judged like a group of batches: only when the worker's ranks served at
 * least max(minBatches, minBatchesPerRank × ranks) requests in that phase and the slow rank itself at
 * least minBatchesPerRank, so a handful of requests cannot fire it.
 */
export function judgeTraces(traces: TracesReport | undefined, t: Thresholds): Finding[] {
  if (traces === undefined) return [];
  const groups = new Map<string, TraceRankRow[]>();
  for (const r of traces.ranks) {
    if (r.ttftMs.p50 === null) continue;
    const key = `${r.phase}\t${r.workerId}`;
    const rows = groups.get(key);
    if (rows === undefined) groups.set(key, [r]);
    else rows.push(r);
  }
  const findings: Finding[] = [];
  for (const rows of groups.values()) {
    const total = rows.reduce((n, r) => n + r.requests, 0);
    if (rows.length < 2 || total < Math.max(t.minBatches, t.minBatchesPerRank * rows.length)) continue;
    const others = mediansOfOthers(rows.map((r) => r.ttftMs.p50 ?? 0));
    for (const [i, r] of rows.entries()) {
      const p50 = r.ttftMs.p50 ?? 0;
      const rest = others[i] ?? 0;
      if (rest <= 0 || r.requests < t.minBatchesPerRank || p50 < TTFT_SKEW_FACTOR * rest) continue;
      findings.push({
        code: 'TTFT_SKEW',
        level: 'warn',
        phase: r.phase,
        worker: null,
        workerId: r.workerId,
        rank: r.rank,
        requests: r.requests,
        totalRequests: total,
        ranks: rows.length,
        ttftP50: p50,
        othersP50: rest,
        ratio: p50 / rest,
        factor: TTFT_SKEW_FACTOR,
      });
    }
  }
  return findings;
}
