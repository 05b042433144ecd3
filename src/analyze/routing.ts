/**
 * Routing findings:
 * - DP_RANK_PINNED: every decision for a worker carries the same concrete rank although the
 *   worker has several: the PR #7984 signature (round-robin sent `dp_rank=0` instead of `None`);
 * - DP_RANK_SENTINEL: u32::MAX (4294967295) leaked into a dp_rank (PR #6736's sentinel arriving raw);
 * - ROUTING_EXECUTION_MISMATCH: ranks' shares of routed decisions and of executed prefill batches
 *   differ by more than a threshold.
 */
import type { RoutingAccumulator } from '../aggregate/routing.ts';
import { isoTime } from './rows.ts';
import type { Finding, RankGroup, RoutingReport, Thresholds } from '../model/report.ts';

export function summarizeRouting(routing: RoutingAccumulator): RoutingReport {
  const workers = [...routing.byWorker.entries()]
    .sort((a, b) => b[1].decisions - a[1].decisions || a[0].localeCompare(b[0]))
    .map(([workerId, t]) => ({
      workerId,
      decisions: t.decisions,
      ranks: [...t.ranks.entries()].sort((a, b) => a[0] - b[0]).map(([rank, decisions]) => ({ rank, decisions })),
      none: t.none,
      sentinel: t.sentinel,
      absent: t.absent,
      routerModes: [...t.routerModes].sort(),
      sources: [...t.sources].sort(),
      firstTime: isoTime(t.firstTime),
      lastTime: isoTime(t.lastTime),
    }));
  const byRank = new Map<number, number>();
  for (const w of workers) for (const r of w.ranks) byRank.set(r.rank, (byRank.get(r.rank) ?? 0) + r.decisions);
  const concrete = [...byRank.values()].reduce((a, b) => a + b, 0);
  return {
    decisions: workers.reduce((s, w) => s + w.decisions, 0),
    workers,
    ranks: [...byRank.entries()].sort((a, b) => a[0] - b[0]).map(([rank, decisions]) => ({ rank, decisions, share: concrete > 0 ? decisions / concrete : 0 })),
    none: workers.reduce((s, w) => s + w.none, 0),
    sentinel: workers.reduce((s, w) => s + w.sentinel, 0),
    absent: workers.reduce((s, w) => s + w.absent, 0),
  };
}

/**
 * @param dpSize ranks per routed worker when known (`--dp-size`, or the prefill servers' dp_size); with
 *   1 a single rank is normal; with `null` a pinned worker fails only in a non-KV router mode
 *   (RoundRobin, Random: they should send `None`) and is a warning otherwise.
 * @param executed prefill groups, to compare routed and executed shares per rank
 */
export function detectRouting(
  routing: RoutingReport,
  sentinelExamples: readonly string[],
  dpSize: number | null,
  executed: readonly RankGroup[],
  t: Thresholds,
): Finding[] {
  const findings: Finding[] = [];
  const base = { phase: 'prefill', worker: null } as const;
  if (routing.sentinel > 0) {
    findings.push({ code: 'DP_RANK_SENTINEL', level: 'fail', ...base, decisions: routing.sentinel, examples: sentinelExamples, origin: 'routing' });
  }
  if (dpSize !== 1) {
    for (const w of routing.workers) {
      const only = w.ranks.length === 1 ? w.ranks[0] : undefined;
      // Pinned = every decision names the same concrete rank, and there are enough to tell.
      if (only === undefined || only.decisions !== w.decisions || w.decisions < t.minBatches) continue;
      // Without a known dp_size, a concrete rank chosen in a non-KV mode is itself the signature:
      // after the fix those modes leave the rank to the engine (dp_rank=None).
      const nonKvMode = w.routerModes.length > 0 && w.routerModes.every((m) => !/^kv/i.test(m));
      findings.push({
        code: 'DP_RANK_PINNED',
        level: dpSize !== null || nonKvMode ? 'fail' : 'warn',
        ...base,
        workerId: w.workerId,
        rank: only.rank,
        decisions: w.decisions,
        dpSize,
      });
    }
  }
  const routed = routing.ranks.reduce((s, r) => s + r.decisions, 0);
  const executedByRank = new Map<number, number>();
  for (const group of executed) for (const r of group.ranks) executedByRank.set(r.rank, (executedByRank.get(r.rank) ?? 0) + r.batches);
  const executedTotal = [...executedByRank.values()].reduce((a, b) => a + b, 0);
  if (routed >= t.minBatches && executedTotal >= t.minBatches) {
    let worst: { rank: number; routedShare: number; executedShare: number } | null = null;
    for (const rank of new Set([...executedByRank.keys(), ...routing.ranks.map((r) => r.rank)])) {
      const routedShare = (routing.ranks.find((r) => r.rank === rank)?.decisions ?? 0) / routed;
      const executedShare = (executedByRank.get(rank) ?? 0) / executedTotal;
      if (worst === null || Math.abs(routedShare - executedShare) > Math.abs(worst.routedShare - worst.executedShare)) {
        worst = { rank, routedShare, executedShare };
      }
    }
    if (worst !== null && Math.abs(worst.routedShare - worst.executedShare) > t.routingMismatch) {
      findings.push({ code: 'ROUTING_EXECUTION_MISMATCH', level: 'warn', ...base, ...worst, threshold: t.routingMismatch });
    }
  }
  return findings;
}
