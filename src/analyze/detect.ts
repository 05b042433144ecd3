/**
 * Turns aggregated phases into judged groups and findings. Thresholds and their sources are in
 * report/types.ts `Thresholds` and detect/thresholds.ts; formulas in detect/balance.ts.
 *
 * Skew is judged on peer balance (the other ranks' mean / the busiest rank, balance.ts): below
 * `warnBalance` warns, below `failBalance` fails, at any rank count, once the group has enough
 * batches (max(minBatches, minBatchesPerRank × n)) and a χ² test says the shares are not chance.
 */
import type { PhaseData, RankGroupData } from '../aggregate/aggregate.ts';
import { MAX_RANKS } from '../aggregate/worker-state.ts';
import type { Phase } from '../model/records.ts';
import type { BalanceStats, Finding, Level, SkewMeasure, Thresholds } from '../model/report.ts';
import { computeBalance } from './balance.ts';
import { chiSquareUniform } from './chi-square.ts';

/** How a group came out: judged (with the worst level found) or not judgeable. */
export type GroupOutcome = 'ok' | 'warn' | 'fail' | 'insufficient';

export interface JudgedGroup {
  readonly data: RankGroupData;
  readonly batches: BalanceStats;
  readonly tokens: BalanceStats | null;
  readonly outcome: GroupOutcome;
  /** the group's own findings (also in JudgedPhase.findings) */
  readonly findings: readonly Finding[];
}

export interface JudgedPhase {
  readonly groups: readonly JudgedGroup[];
  readonly findings: readonly Finding[];
}

/** The level a peer balance reaches: fail below failBalance, warn below warnBalance. */
export function skewLevel(peerBalance: number | null, t: Thresholds): 'warn' | 'fail' | null {
  if (peerBalance === null || peerBalance >= t.warnBalance) return null;
  return peerBalance < t.failBalance ? 'fail' : 'warn';
}

export function detectPhase(data: PhaseData, thresholds: Thresholds): JudgedPhase {
  const findings: Finding[] = [];
  const groups = data.groups.map((group) => {
    const judged = judgeGroup(data.phase, group, thresholds);
    findings.push(...judged.findings);
    return judged;
  });

  for (const u of data.unlabeled) {
    if (u.attributed && u.dpSize === 1) continue; // a single-rank worker needs no label
    // Unattributed lines are judged by how many there are. Below 1 % of the worker's lines they are
    // a trace and cost only themselves; as a minority next to labelled lines they are torn lines
    // of concurrent writers (info); as the majority, the format carries no labels (warn).
    const labelled = u.phaseLines - u.lines;
    if (!u.attributed && u.lines * 100 < u.phaseLines) continue;
    const level = u.attributed || u.lines < labelled ? 'info' : 'warn';
    findings.push({ code: 'NO_RANK_LABELS', level, phase: data.phase, worker: u.worker, lines: u.lines, labelledLines: labelled, dpSize: u.dpSize });
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

/** Judge one group of ranks: enough data, a known layout, idle ranks, skew of batches and tokens, queue skew. */
export function judgeGroup(phase: Phase, group: RankGroupData, t: Thresholds): JudgedGroup {
  const findings: Finding[] = [];
  const batches = computeBalance(group.ranks.map((r) => ({ rank: r.rank, value: r.totals.batches })));
  // Tokens are judged only where lines carried them: a --pattern without `tokens` measured nothing, not zero.
  const tokens = phase === 'prefill' && group.ranks.some((r) => r.totals.tokenLines > 0) ? computeBalance(group.ranks.map((r) => ({ rank: r.rank, value: r.totals.newTokens }))) : null;
  const worker = group.worker;
  const base = { phase, worker } as const;
  const n = group.ranks.length;
  const total = batches.total;
  const done = (outcome: GroupOutcome): JudgedGroup => ({ data: group, batches, tokens, outcome, findings });

  if (group.tp0OnlyWorkers.length > 0) {
    // Old SGLang logged batches only from global TP0 under dp-attention: the log cannot show balance.
    const lines = group.ranks.find((r) => r.rank === 0)?.totals.batches ?? 0;
    for (const w of group.tp0OnlyWorkers) findings.push({ code: 'LOGGING_ARTIFACT', kind: 'tp0-only-logging', level: 'warn', phase, worker: w, lines });
    return done('warn');
  }

  for (const u of group.layoutUnknown) findings.push({ code: 'LAYOUT_UNKNOWN', level: 'warn', phase, worker: u.worker, ranks: u.ranks, lines: u.lines });
  // One rank seen and nothing saying there are no others: no balance can be claimed.
  if (group.layoutUnknown.length > 0 && n < 2) return done('insufficient');

  const required = Math.max(t.minBatches, t.minBatchesPerRank * n);
  if (total === 0 || total < required) {
    findings.push({
      code: 'INSUFFICIENT_DATA',
      level: 'info',
      ...base,
      reason: total === 0 ? 'no-batches' : 'too-few-batches',
      batches: total,
      required,
      peerBalance: batches.peerBalance,
      pValue: batches.chiSquare?.pValue ?? null,
    });
    return done('insufficient');
  }

  const levels: Level[] = [];
  const idle = group.ranks.filter((r) => r.totals.batches === 0).map((r) => r.rank);
  if (idle.length > 0) {
    findings.push({ code: 'IDLE_RANK', level: 'fail', ...base, idleRanks: idle, ranks: n, total });
    levels.push('fail');
  }

  const batchSkew = measure(batches, skewLevel(batches.peerBalance, t), batches.chiSquare?.pValue ?? null, idle.length > 0, t);
  // Tokens are tested in units of the average batch, so the χ² sample size is the number of batches.
  const tokenSkew =
    tokens === null
      ? null
      : measure(
          tokens,
          skewLevel(tokens.peerBalance, t),
          tokens.total > 0 ? (chiSquareUniform(group.ranks.map((r) => (r.totals.newTokens * total) / tokens.total))?.pValue ?? null) : null,
          idle.length > 0,
          t,
        );
  const skewed = [batchSkew, tokenSkew].filter((m): m is SkewMeasure => m !== null && m.level !== null);
  const noise = [batchSkew, tokenSkew].some((m) => m !== null && m.level === null && skewLevel(m.peerBalance, t) !== null);
  if (skewed.length > 0) {
    const level: Level = skewed.some((m) => m.level === 'fail') ? 'fail' : 'warn';
    const basis = batchSkew.level !== null && tokenSkew?.level != null ? 'both' : batchSkew.level !== null ? 'batches' : 'tokens';
    findings.push({
      code: 'BATCH_SKEW',
      level,
      ...base,
      basis,
      threshold: level === 'fail' ? t.failBalance : t.warnBalance,
      ranks: n,
      batches: batchSkew,
      tokens: tokenSkew,
      engine: group.families.length === 1 ? (group.families[0] ?? null) : null,
    });
    levels.push(level);
  }

  if (n >= 2) {
    const queues = group.ranks.map((r) => ({ rank: r.rank, p95: r.totals.queue.quantile(0.95) ?? 0, peak: r.totals.queue.max ?? 0 }));
    for (const skew of queueSkew(queues, t)) {
      findings.push({ code: 'QUEUE_SKEW', level: 'warn', ...base, ...skew });
      levels.push('warn');
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
      peerBalance: batches.peerBalance,
      pValue: batches.chiSquare?.pValue ?? null,
    });
    if (levels.length === 0) return done('insufficient');
  }
  return done(levels.includes('fail') ? 'fail' : levels.includes('warn') ? 'warn' : 'ok');
}

/**
 * A measure of the skew finding. Its level counts only when χ² says the shares are not chance
 * (p < alpha), or when a rank is idle (a zero over a judged sample is not noise).
 */
function measure(stats: BalanceStats, level: 'warn' | 'fail' | null, pValue: number | null, idle: boolean, t: Thresholds): SkewMeasure {
  const significant = pValue === null || pValue < t.alpha || idle;
  return {
    peerBalance: stats.peerBalance,
    balance: stats.balance,
    maxRank: stats.maxRank,
    maxShare: stats.maxShare,
    pValue,
    level: significant ? level : null,
  };
}

/**
 * QUEUE_SKEW: a rank whose p95 #queue-req is ≥ queueSkewFactor × the median of the other ranks'
 * p95 and ≥ queueSkewMin requests. Relative to the others' median, so it means the same at any n;
 * on the p95, not the peak, so a burst of a few lines or one torn line (`#queue-req: 2` + `23, …`
 * of another line reads 223) cannot raise it: the queue must have stood that high.
 */
export function queueSkew(
  queues: ReadonlyArray<{ readonly rank: number; readonly p95: number; readonly peak: number }>,
  t: Thresholds,
): Array<{ rank: number; p95: number; othersMedianP95: number; peak: number; factor: number }> {
  if (queues.length < 2) return [];
  const othersMedians = mediansOfOthers(queues.map((q) => q.p95));
  const out: Array<{ rank: number; p95: number; othersMedianP95: number; peak: number; factor: number }> = [];
  for (const [i, { rank, p95, peak }] of queues.entries()) {
    if (p95 < t.queueSkewMin) continue;
    const others = othersMedians[i] ?? 0;
    if (p95 >= t.queueSkewFactor * others) out.push({ rank, p95, othersMedianP95: others, peak, factor: t.queueSkewFactor });
  }
  return out;
}

/**
 * For each value, the median of the other values (`median` of the list without it), from one sort:
 * n log n where a median per value is n² log n (minutes for a merged summary of thousands of ranks).
 */
export function mediansOfOthers(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return values.map((v) => medianWithout(sorted, v));
}

/** Median of ascending `sorted` with one occurrence of `value` left out (mean of the middle two for even length), in O(log n). */
function medianWithout(sorted: readonly number[], value: number): number {
  const at = lowerBound(sorted, value);
  const m = sorted.length - 1;
  if (m <= 0) return 0;
  const nth = (k: number): number => sorted[k < at ? k : k + 1] ?? 0;
  const mid = m >> 1;
  return m % 2 === 1 ? nth(mid) : (nth(mid - 1) + nth(mid)) / 2;
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Median of a sorted or unsorted list (mean of the middle two for even length); 0 for an empty one. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
