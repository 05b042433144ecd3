/**
 * Judging engine stats (vLLM `Engine NNN:` lines, and the per-scrape samples of metrics dumps):
 * balance of prompt tokens per engine (= DP rank) and of requests running, queue (`Waiting`) skew,
 * and the two ways vLLM hides per-rank data (aggregated lines, stats disabled).
 */
import type { EngineStatsAccumulator } from '../aggregate/engine-stats.ts';
import type { KvUsageTally } from '../aggregate/metric-series.ts';
import { isoTime } from './rows.ts';
import type { BalanceStats, EngineStatsGroup, EngineStatsRow, Finding, Thresholds } from '../model/report.ts';
import { computeBalance } from './balance.ts';
import { queueSkew, skewLevel, type GroupOutcome } from './detect.ts';

export interface EngineStatsInput {
  /** `null` for all workers merged */
  readonly worker: string | null;
  readonly ranks: ReadonlyMap<number, EngineStatsAccumulator>;
  /** the DP size the workers declare (`--dp-size`, `non-default args`); `null` when unknown */
  readonly dpSize: number | null;
  /** where the samples come from, when not (only) from stats lines (EngineStatsGroup.origin) */
  readonly origin?: 'metrics' | 'mixed';
  /** the engine the samples come from (ENGINE_SKEW's advice); `null` or absent when mixed or unknown */
  readonly engine?: string | null;
  /** KV-cache usage per rank, from metrics dumps; absent when no sample carried it */
  readonly kvUsage?: ReadonlyMap<number, KvUsageTally>;
}

/**
 * ENGINE_SKEW on running requests is judged only when the busiest rank ran at least this many
 * requests on average over its samples: below one, "skew" is a request or two in flight at a few
 * samples (the mean of 0.3 against 0.1 is no imbalance worth a verdict).
 */
export const RUNNING_SKEW_MIN_MEAN = 1;

export function judgeEngineStats(
  inputs: readonly EngineStatsInput[],
  t: Thresholds,
): { groups: EngineStatsGroup[]; findings: Finding[]; outcomes: GroupOutcome[] } {
  const groups: EngineStatsGroup[] = [];
  const findings: Finding[] = [];
  const outcomes: GroupOutcome[] = [];
  for (const input of inputs) {
    const sorted = [...input.ranks.entries()].sort((a, b) => a[0] - b[0]);
    const promptTokens = computeBalance(sorted.map(([rank, acc]) => ({ rank, value: acc.promptTokens })));
    const samples = sorted.reduce((s, [, acc]) => s + acc.samples, 0);
    const ranks: EngineStatsRow[] = sorted.map(([rank, acc]) => ({
      rank,
      worker: input.worker,
      samples: acc.samples,
      promptTokens: Math.round(acc.promptTokens),
      promptShare: promptTokens.total > 0 ? acc.promptTokens / promptTokens.total : 0,
      waiting: { max: acc.waiting.max, p50: acc.waiting.quantile(0.5), p95: acc.waiting.quantile(0.95), mean: acc.waiting.mean() },
      running: { max: acc.running.max, mean: acc.running.mean() },
      ...kvUsageRow(input.kvUsage, rank),
      firstTime: isoTime(acc.firstTime),
      lastTime: isoTime(acc.lastTime),
    }));
    groups.push({ worker: input.worker, ranks, promptTokens: { ...promptTokens, chiSquare: null }, ...(input.origin === undefined ? {} : { origin: input.origin }) });
    const base = { phase: 'prefill', worker: input.worker } as const;
    if (sorted.length < 2 && input.dpSize !== 1) {
      // One engine's stats: with DP, the others' are missing, and one engine cannot show balance.
      if (input.dpSize === null) findings.push({ code: 'LAYOUT_UNKNOWN', level: 'warn', phase: null, worker: input.worker, ranks: sorted.map(([r]) => r), lines: samples });
      outcomes.push('insufficient');
      continue;
    }
    if (samples < Math.max(t.minBatches, t.minBatchesPerRank * sorted.length)) {
      outcomes.push('insufficient');
      continue;
    }
    const before = findings.length;
    const origin = input.origin === undefined ? {} : { origin: input.origin };
    const skew = { worker: input.worker, engine: input.engine ?? null, ...origin, ranks: sorted.length };
    const level = skewLevel(promptTokens.peerBalance, t);
    if (level !== null) findings.push(engineSkew('promptTokens', level, promptTokens, skew, t));
    // Running requests per rank, averaged over its samples: the concurrency each engine carried.
    // A mean, not a count of events, so like prompt tokens it has no χ² gate; RUNNING_SKEW_MIN_MEAN instead.
    const running = computeBalance(ranks.map((r) => ({ rank: r.rank, value: r.running.mean ?? 0 })));
    const busiest = running.maxRank === null ? 0 : (ranks.find((r) => r.rank === running.maxRank)?.running.mean ?? 0);
    const runningLevel = busiest >= RUNNING_SKEW_MIN_MEAN ? skewLevel(running.peerBalance, t) : null;
    if (runningLevel !== null) findings.push(engineSkew('running', runningLevel, running, skew, t));
    for (const queue of queueSkew(ranks.map((r) => ({ rank: r.rank, p95: r.waiting.p95 ?? 0, peak: r.waiting.max ?? 0 })), t)) {
      findings.push({ code: 'QUEUE_SKEW', level: 'warn', ...base, ...queue, ...origin });
    }
    const mine = findings.slice(before);
    outcomes.push(mine.some((f) => f.level === 'fail') ? 'fail' : mine.length > 0 ? 'warn' : 'ok');
  }
  return { groups, findings, outcomes };
}

function engineSkew(
  basis: 'promptTokens' | 'running',
  level: 'warn' | 'fail',
  b: BalanceStats,
  where: { readonly worker: string | null; readonly engine: string | null; readonly origin?: 'metrics' | 'mixed'; readonly ranks: number },
  t: Thresholds,
): Finding {
  const { ranks, worker, ...rest } = where;
  return {
    code: 'ENGINE_SKEW',
    level,
    // Prompt tokens are prefill work; the requests running are mostly decoding.
    phase: basis === 'running' ? 'decode' : 'prefill',
    worker,
    ...rest,
    basis,
    peerBalance: b.peerBalance ?? 0,
    balance: b.balance ?? 0,
    threshold: level === 'fail' ? t.failBalance : t.warnBalance,
    maxRank: b.maxRank ?? 0,
    maxShare: b.maxShare ?? 0,
    ranks,
  };
}

/** A rank's KV-cache usage (EngineStatsRow.kvUsage), or nothing when the input has none for it. */
function kvUsageRow(kv: ReadonlyMap<number, KvUsageTally> | undefined, rank: number): { kvUsage?: { max: number | null; mean: number | null } } {
  const tally = kv?.get(rank);
  if (tally === undefined || tally.samples === 0) return {};
  return { kvUsage: { max: tally.max, mean: tally.sum / tally.samples } };
}

export function hiddenStatsFindings(workers: ReadonlyArray<{ name: string; aggregatedStatsLines: number; statsDisabled: boolean }>): Finding[] {
  const findings: Finding[] = [];
  for (const w of workers) {
    if (w.aggregatedStatsLines > 0) findings.push({ code: 'STATS_AGGREGATED', level: 'warn', phase: null, worker: w.name, lines: w.aggregatedStatsLines });
    if (w.statsDisabled) findings.push({ code: 'STATS_LOGGING_DISABLED', level: 'warn', phase: null, worker: w.name });
  }
  return findings;
}
