/**
 * Judging vLLM engine stats: balance of estimated prompt tokens per engine (= DP rank), queue
 * (`Waiting`) skew, and the two ways vLLM hides per-rank data (aggregated lines, stats disabled).
 */
import type { EngineStatsAccumulator } from '../aggregate/engine-stats.ts';
import { isoTime } from './rows.ts';
import type { EngineStatsGroup, EngineStatsRow, Finding, Thresholds } from '../model/report.ts';
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
}

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
    const level = skewLevel(promptTokens.peerBalance, t);
    if (level !== null) {
      findings.push({
        code: 'ENGINE_SKEW',
        level,
        ...base,
        peerBalance: promptTokens.peerBalance ?? 0,
        balance: promptTokens.balance ?? 0,
        threshold: level === 'fail' ? t.failBalance : t.warnBalance,
        maxRank: promptTokens.maxRank ?? 0,
        maxShare: promptTokens.maxShare ?? 0,
        ranks: sorted.length,
      });
    }
    for (const skew of queueSkew(ranks.map((r) => ({ rank: r.rank, p95: r.waiting.p95 ?? 0, peak: r.waiting.max ?? 0 })), t)) {
      findings.push({ code: 'QUEUE_SKEW', level: 'warn', ...base, ...skew });
    }
    const mine = findings.slice(before);
    outcomes.push(mine.some((f) => f.level === 'fail') ? 'fail' : mine.length > 0 ? 'warn' : 'ok');
  }
  return { groups, findings, outcomes };
}

export function hiddenStatsFindings(workers: ReadonlyArray<{ name: string; aggregatedStatsLines: number; statsDisabled: boolean }>): Finding[] {
  const findings: Finding[] = [];
  for (const w of workers) {
    if (w.aggregatedStatsLines > 0) findings.push({ code: 'STATS_AGGREGATED', level: 'warn', phase: null, worker: w.name, lines: w.aggregatedStatsLines });
    if (w.statsDisabled) findings.push({ code: 'STATS_LOGGING_DISABLED', level: 'warn', phase: null, worker: w.name });
  }
  return findings;
}
