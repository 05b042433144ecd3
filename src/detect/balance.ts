/**
 * Balance statistics over per-rank work xᵢ (batches or tokens), n ranks, S = Σxᵢ, μ = S/n
 * (reference: prior-art.md §5):
 * - balance = μ / max x ∈ [1/n, 1]; 1/balance is the slowdown of a lockstep group vs perfect balance;
 * - maxShare = max x / S;
 * - cv = σ/μ (population σ); jain = S² / (n·Σxᵢ²).
 * Idle ranks count as 0: leaving them out would hide exactly the skew we look for.
 * With S = 0 (or no ranks) every ratio is `null`, never a fake "balanced".
 */
import type { BalanceStats } from '../report/types.ts';
import { chiSquareUniform } from './chi-square.ts';

export function computeBalance(values: ReadonlyArray<{ readonly rank: number; readonly value: number }>): BalanceStats {
  const n = values.length;
  const total = values.reduce((sum, v) => sum + v.value, 0);
  if (n === 0 || total <= 0) {
    return { ranks: n, total, balance: null, maxShare: null, maxRank: null, cv: null, jain: null, chiSquare: null };
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
    maxShare: max.value / total,
    maxRank: max.rank,
    cv: Math.sqrt(Math.max(0, variance)) / mean,
    jain: (total * total) / (n * sumSquares),
    chiSquare: chiSquareUniform(values.map((v) => v.value)),
  };
}
