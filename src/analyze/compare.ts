/**
 * `dpskew compare BEFORE AFTER`: two reports side by side, per phase and DP rank, with deltas, the
 * balance and verdict of each side, and whether the after side regressed.
 */
import type { Phase } from '../model/records.ts';
import { VERDICT_ORDER, type Report, type Verdict } from '../model/report.ts';

export const COMPARISON_SCHEMA_VERSION = 1;

export interface RankComparison {
  readonly rank: number;
  readonly before: RankSide | null;
  readonly after: RankSide | null;
  /** after − before, in share points (0 … 1) */
  readonly shareDelta: number;
}

export interface RankSide {
  readonly batches: number;
  readonly share: number;
  readonly newTokens: number | null;
  readonly queueMax: number | null;
}

export interface PhaseComparison {
  readonly phase: Phase;
  readonly ranks: readonly RankComparison[];
  readonly balanceBefore: number | null;
  readonly balanceAfter: number | null;
  /** peer balance (the measure verdicts and regressions are judged on); `null` in reports before schemaVersion 2 */
  readonly peerBalanceBefore: number | null;
  readonly peerBalanceAfter: number | null;
  readonly maxShareBefore: number | null;
  readonly maxShareAfter: number | null;
  readonly peakQueueBefore: number | null;
  readonly peakQueueAfter: number | null;
}

export interface Comparison {
  readonly schemaVersion: typeof COMPARISON_SCHEMA_VERSION;
  readonly kind: 'comparison';
  readonly before: { readonly label: string; readonly verdict: Verdict };
  readonly after: { readonly label: string; readonly verdict: Verdict };
  readonly phases: readonly PhaseComparison[];
  /** the after side is worse: a lower peer balance by more than `threshold`, or a worse verdict */
  readonly regression: boolean;
  readonly regressionReasons: readonly string[];
  readonly threshold: number;
}


export function compareReports(before: Report, after: Report, labels: { before: string; after: string }, threshold: number): Comparison {
  const phases: PhaseComparison[] = [];
  for (const phase of ['prefill', 'decode'] as const) {
    const b = before[phase].groups[0];
    const a = after[phase].groups[0];
    if (b === undefined && a === undefined) continue;
    const ranks = [...new Set([...(b?.ranks ?? []), ...(a?.ranks ?? [])].map((r) => r.rank))].sort((x, y) => x - y);
    const side = (group: typeof b, rank: number): RankSide | null => {
      const row = group?.ranks.find((r) => r.rank === rank);
      return row === undefined ? null : { batches: row.batches, share: row.share, newTokens: row.newTokens, queueMax: row.queue.max };
    };
    const peak = (group: typeof b): number | null => group?.ranks.reduce<number | null>((m, r) => (r.queue.max === null ? m : Math.max(m ?? 0, r.queue.max)), null) ?? null;
    phases.push({
      phase,
      ranks: ranks.map((rank) => {
        const before = side(b, rank);
        const after = side(a, rank);
        return { rank, before, after, shareDelta: (after?.share ?? 0) - (before?.share ?? 0) };
      }),
      balanceBefore: b?.batchStats.balance ?? null,
      balanceAfter: a?.batchStats.balance ?? null,
      peerBalanceBefore: b?.batchStats.peerBalance ?? null,
      peerBalanceAfter: a?.batchStats.peerBalance ?? null,
      maxShareBefore: b?.batchStats.maxShare ?? null,
      maxShareAfter: a?.batchStats.maxShare ?? null,
      peakQueueBefore: peak(b),
      peakQueueAfter: peak(a),
    });
  }
  const reasons: string[] = [];
  if (VERDICT_ORDER[after.verdict] > VERDICT_ORDER[before.verdict]) reasons.push(`verdict ${before.verdict} → ${after.verdict}`);
  for (const p of phases) {
    if (p.peerBalanceBefore !== null && p.peerBalanceAfter !== null && p.peerBalanceAfter < p.peerBalanceBefore - threshold) {
      reasons.push(`${p.phase} peer balance ${p.peerBalanceBefore.toFixed(2)} → ${p.peerBalanceAfter.toFixed(2)}`);
    } else if (p.peerBalanceBefore === null && p.balanceBefore !== null && p.balanceAfter !== null && p.balanceAfter < p.balanceBefore - threshold) {
      reasons.push(`${p.phase} balance ${p.balanceBefore.toFixed(2)} → ${p.balanceAfter.toFixed(2)}`);
    }
  }
  return {
    schemaVersion: COMPARISON_SCHEMA_VERSION,
    kind: 'comparison',
    before: { label: labels.before, verdict: before.verdict },
    after: { label: labels.after, verdict: after.verdict },
    phases,
    regression: reasons.length > 0,
    regressionReasons: reasons,
    threshold,
  };
}
