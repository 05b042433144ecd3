/**
 * Balance statistics over per-rank work xᵢ (batches or tokens), n ranks, S = Σxᵢ, μ = S/n:
 * - balance = μ / max x ∈ [1/n, 1]; 1/balance is the slowdown of a lockstep group vs perfect balance;
 * - peerBalance = ((S − max x) / (n − 1)) / max x ∈ [0, 1]: what the other ranks ran on average, per
 *   batch of the busiest one. The verdict is judged on it (docs/findings.md "How the verdict is
 *   reached"): its floor is 0 at every n (balance's floor, 1/n, made a fail threshold of 0.5
 *   unreachable at DP=2), and for large n it equals balance, so the thresholds keep their meaning there;
 * - maxShare = max x / S;
 * - cv = σ/μ (population σ); jain = S² / (n·Σxᵢ²).
 * Idle ranks count as 0: leaving them out would hide exactly the skew we look for.
 * With S = 0 (or no ranks) every ratio is `null`, never a fake "balanced".
 */
import type { BalanceStats } from '../model/report.ts';
import { chiSquareUniform } from './chi-square.ts';

export function computeBalance(values: ReadonlyArray<{ readonly rank: number; readonly value: number }>): BalanceStats {
  const n = values.length;
  const total = values.reduce((sum, v) => sum + v.value, 0);
  if (n === 0 || total <= 0) {
    return { ranks: n, total, balance: null, peerBalance: null, maxShare: null, maxRank: null, cv: null, jain: null, chiSquare: null };
  }
  let max = values[0] ?? { rank: 0, value: 0 };
  let sumSquares = 0;
  for (const v of values) {
    if (v.value > max.value) max = v;
    sumSquares += v.value * v.value;
  }
  const mean = total / n;
  const variance = sumSquares / n - mean * mean;
  return {
    ranks: n,
    total,
    balance: mean / max.value,
    peerBalance: peerBalance(n, total, max.value),
    maxShare: max.value / total,
    maxRank: max.rank,
    cv: Math.sqrt(Math.max(0, variance)) / mean,
    jain: (total * total) / (n * sumSquares),
    chiSquare: chiSquareUniform(values.map((v) => v.value)),
  };
}

/** Mean of the other ranks over the busiest rank; `null` without peers (n < 2) or work. */
export function peerBalance(n: number, total: number, max: number): number | null {
  if (n < 2 || total <= 0 || max <= 0) return null;
  return (total - max) / (n - 1) / max;
}
