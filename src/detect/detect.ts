/**
 * Turns aggregated phases into judged groups and findings. Thresholds and their sources are in
 * report/types.ts `Thresholds` and detect/thresholds.ts; formulas in detect/balance.ts.
 */
import type { PhaseData, RankGroupData } from '../aggregate/aggregate.ts';
import type { Phase } from '../parse/types.ts';
import type { BalanceStats, Finding, Level, Thresholds } from '../report/types.ts';
import { computeBalance } from './balance.ts';
import { chiSquareUniform } from './chi-square.ts';
import { MAX_RANKS } from '../aggregate/worker-state.ts';

/** How a group came out: judged (with the worst level found) or not judgeable. */
export type GroupOutcome = 'ok' | 'warn' | 'fail' | 'insufficient';

export interface JudgedGroup {
  readonly data: RankGroupData;
  readonly batches: BalanceStats;
  readonly tokens: BalanceStats | null;
  readonly outcome: GroupOutcome;
}

export interface JudgedPhase {
  readonly groups: readonly JudgedGroup[];
  readonly findings: readonly Finding[];
}

export function detectPhase(data: PhaseData, thresholds: Thresholds): JudgedPhase {
  const findings: Finding[] = [];
  const groups = data.groups.map((group) => judgeGroup(data.phase, group, thresholds, findings));

  for (const u of data.unlabeled) {
    if (u.attributed && u.dpSize === 1) continue; // a single-rank worker needs no label
    findings.push({
      code: 'NO_RANK_LABELS',
      level: u.attributed ? 'info' : 'warn',
      phase: data.phase,
      worker: u.worker,
      lines: u.lines,
      dpSize: u.dpSize,
    });
  }
  for (const d of data.dpMinusOne) {
    findings.push({ code: 'LOGGING_ARTIFACT', kind: 'dp-minus-one-label', level: 'info', phase: data.phase, worker: d.worker, lines: d.lines });
  }
  if (data.rankOverflow > 0) {
    findings.push({ code: 'TOO_MANY_RANKS', level: 'warn', phase: data.phase, worker: null, lines: data.rankOverflow, limit: MAX_RANKS });
  }
  for (const worker of data.silentPrefillServers) {
    findings.push({ code: 'LOGGING_ARTIFACT', kind: 'prefill-server-without-prefill-lines', level: 'warn', phase: data.phase, worker, lines: 0 });
  }
  return { groups, findings };
}

function judgeGroup(phase: Phase, group: RankGroupData, t: Thresholds, findings: Finding[]): JudgedGroup {
  const batchValues = group.ranks.map((r) => ({ rank: r.rank, value: r.totals.batches }));
  const batches = computeBalance(batchValues);
  const tokens = phase === 'prefill' ? computeBalance(group.ranks.map((r) => ({ rank: r.rank, value: r.totals.newTokens }))) : null;
  const worker = group.worker;
  const base = { phase, worker } as const;
  const n = group.ranks.length;
  const total = batches.total;
  const levels: Level[] = [];

  if (group.tp0OnlyWorkers.length > 0) {
    // Old SGLang logged batches only from global TP0 under dp-attention: the log cannot show balance.
    const lines = group.ranks.find((r) => r.rank === 0)?.totals.batches ?? 0;
    for (const w of group.tp0OnlyWorkers) findings.push({ code: 'LOGGING_ARTIFACT', kind: 'tp0-only-logging', level: 'warn', phase, worker: w, lines });
    return { data: group, batches, tokens, outcome: 'warn' };
  }

  const required = Math.max(t.minBatches, t.minBatchesPerRank * n);
  if (total === 0 || total < required) {
    findings.push({
      code: 'INSUFFICIENT_DATA',
      level: 'info',
      ...base,
      reason: total === 0 ? 'no-batches' : 'too-few-batches',
      batches: total,
      required,
      balance: batches.balance,
      pValue: batches.chiSquare?.pValue ?? null,
    });
    return { data: group, batches, tokens, outcome: 'insufficient' };
  }

  const idle = group.ranks.filter((r) => r.totals.batches === 0).map((r) => r.rank);
  if (idle.length > 0) {
    findings.push({ code: 'IDLE_RANK', level: 'fail', ...base, idleRanks: idle, ranks: n, total });
    levels.push('fail');
  }

  const pValue = batches.chiSquare?.pValue ?? null;
  const significant = pValue === null || pValue < t.alpha;
  let noise = false;
  if (batches.balance !== null && batches.balance < t.warnBalance) {
    if (significant || idle.length > 0) {
      const level: Level = batches.balance < t.failBalance ? 'fail' : 'warn';
      findings.push(skewFinding('BATCH_SKEW', level, base, batches, t, pValue));
      levels.push(level);
    } else {
      noise = true;
    }
  }

  if (tokens !== null && tokens.balance !== null && tokens.balance < t.warnBalance) {
    // Noise gate on tokens: express each rank's tokens in units of the average batch, so the χ²
    // sample size is the number of batches, not the number of tokens.
    const perBatch = tokens.total / total;
    const tokenTest = chiSquareUniform(group.ranks.map((r) => r.totals.newTokens / perBatch));
    const tokenP = tokenTest?.pValue ?? null;
    if (tokenP === null || tokenP < t.alpha || idle.length > 0) {
      const level: Level = tokens.balance < t.failBalance ? 'fail' : 'warn';
      findings.push(skewFinding('TOKEN_SKEW', level, base, tokens, t, tokenP));
      levels.push(level);
    } else {
      noise = true;
    }
  }

  if (n >= 2) {
    const peaks = group.ranks.map((r) => ({ rank: r.rank, peak: r.totals.queue.max ?? 0 }));
    const othersMedians = mediansOfOthers(peaks.map((p) => p.peak));
    for (const [i, { rank, peak }] of peaks.entries()) {
      const others = othersMedians[i] ?? 0;
      if (peak >= t.queueSkewMin && peak >= t.queueSkewFactor * others) {
        findings.push({ code: 'QUEUE_SKEW', level: 'warn', ...base, rank, peak, othersMedianPeak: others, factor: t.queueSkewFactor });
        levels.push('warn');
      }
    }
  }

  if (noise && !levels.includes('fail')) {
    findings.push({
      code: 'INSUFFICIENT_DATA',
      level: 'info',
      ...base,
      reason: 'not-significant',
      batches: total,
      required,
      balance: batches.balance,
      pValue,
    });
    if (levels.length === 0) return { data: group, batches, tokens, outcome: 'insufficient' };
  }
  const outcome: GroupOutcome = levels.includes('fail') ? 'fail' : levels.includes('warn') ? 'warn' : 'ok';
  return { data: group, batches, tokens, outcome };
}

function skewFinding(
  code: 'BATCH_SKEW' | 'TOKEN_SKEW',
  level: Level,
  base: { readonly phase: Phase; readonly worker: string | null },
  stats: BalanceStats,
  t: Thresholds,
  pValue: number | null,
): Finding {
  return {
    code,
    level,
    ...base,
    balance: stats.balance ?? 0,
    threshold: level === 'fail' ? t.failBalance : t.warnBalance,
    maxRank: stats.maxRank ?? 0,
    maxShare: stats.maxShare ?? 0,
    ranks: stats.ranks,
    pValue,
  };
}

/**
 * For each value, the median of the other values (`median` of the list without it), from one sort:
 * n log n where a median per value is n² log n (minutes for a merged summary of thousands of ranks).
 */
export function mediansOfOthers(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const others = sorted.length - 1;
  return values.map((value) => {
    if (others <= 0) return 0;
    // Drop one occurrence of `value` (equal values are interchangeable): the first one.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if ((sorted[m] ?? 0) < value) lo = m + 1;
      else hi = m;
    }
    const at = (k: number): number => sorted[k < lo ? k : k + 1] ?? 0;
    const mid = others >> 1;
    return others % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
  });
}

/** Median of a non-empty list (mean of the middle two for even length); 0 for an empty one. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
