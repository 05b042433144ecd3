/**
 * With `--by rank` (DP ranks summed over workers), every worker is still judged on its own ranks:
 * four prefill workers of which one sends 84 % of its batches to DP2 sum to a mild skew, while
 * that worker alone fails. WORKER_SKEW names the workers whose own judgment is worse than the
 * sum's, or that are skewed while other workers are not, with their numbers; the phase reports its
 * worst worker (PhaseReport.worstWorker).
 */
import { aggregatePhase } from '../aggregate/aggregate.ts';
import type { WorkerContext } from '../aggregate/contexts.ts';
import type { Phase } from '../model/records.ts';
import type { Finding, Level, PhaseReport, Thresholds, WorkerJudgment } from '../model/report.ts';
import { judgeGroup, type GroupOutcome, type JudgedPhase } from './detect.ts';

/** Workers listed in a WORKER_SKEW finding; further ones are counted in `workersJudged` only. */
export const WORKERS_LISTED = 16;

const LEVEL_RANK: Record<Level | 'none', number> = { none: 0, info: 0, warn: 1, fail: 2 };

export interface WorkerVerdicts {
  readonly findings: readonly Finding[];
  /** the WORKER_SKEW level as a group outcome, so it weighs on the verdict */
  readonly outcomes: readonly GroupOutcome[];
  readonly worst: PhaseReport['worstWorker'];
}

/** @param summed the phase as judged with ranks summed over workers */
export function judgeWorkers(phase: Phase, contexts: readonly WorkerContext[], summed: JudgedPhase, t: Thresholds): WorkerVerdicts {
  const judgments: WorkerJudgment[] = [];
  let worst: PhaseReport['worstWorker'] = null;
  let groups = 0;
  // Each worker's group is made, judged and dropped in turn: all of them at once (aggregatePhase
  // over every worker) lived long enough to be promoted, ~17 MB of old-space garbage for 10,000
  // small workers (issue 18). A worker's group depends on that worker alone.
  for (const context of contexts) {
    for (const group of aggregatePhase(phase, [context], 'worker').groups) {
      groups++;
      const judged = judgeGroup(phase, group, t);
      const b = judged.batches;
      const worker = group.worker ?? '';
      if (b.peerBalance !== null && judged.outcome !== 'insufficient' && (worst === null || b.peerBalance < (worst.peerBalance ?? 1))) {
        worst = { worker, ranks: b.ranks, batches: b.total, peerBalance: b.peerBalance, balance: b.balance, maxRank: b.maxRank, maxShare: b.maxShare };
      }
      const idle = judged.findings.find((f) => f.code === 'IDLE_RANK');
      const skew = judged.findings.find((f) => f.code === 'BATCH_SKEW');
      const level = [idle, skew].reduce<'warn' | 'fail' | null>((acc, f) => (f === undefined || f.level === 'info' ? acc : acc === 'fail' || f.level === 'fail' ? 'fail' : 'warn'), null);
      if (level === null) continue;
      judgments.push({
        worker,
        level,
        reason: idle !== undefined ? 'idle-rank' : 'skew',
        ranks: b.ranks,
        batches: b.total,
        peerBalance: b.peerBalance,
        maxRank: b.maxRank,
        maxShare: b.maxShare,
        idleRanks: idle?.code === 'IDLE_RANK' ? idle.idleRanks : [],
      });
    }
  }
  // One worker: the sum is that worker, already judged.
  if (groups < 2) return { findings: [], outcomes: [], worst: null };
  // Only what the sum does not already say: workers judged worse than the summed group, or a skew
  // that some workers have and others do not (then it is theirs to fix, not the whole fleet's).
  const summedLevel = summed.findings
    .filter((f) => f.worker === null && (f.code === 'BATCH_SKEW' || f.code === 'IDLE_RANK'))
    .reduce((acc, f) => Math.max(acc, LEVEL_RANK[f.level]), 0);
  const worse = judgments.filter((j) => LEVEL_RANK[j.level] > summedLevel);
  const some = judgments.length < groups ? judgments : [];
  const named = (worse.length > 0 ? worse : some).sort(
    (a, b) => LEVEL_RANK[b.level] - LEVEL_RANK[a.level] || (a.peerBalance ?? 1) - (b.peerBalance ?? 1) || a.worker.localeCompare(b.worker),
  );
  if (named.length === 0) return { findings: [], outcomes: [], worst };
  const level = named[0]?.level ?? 'warn';
  const finding: Finding = { code: 'WORKER_SKEW', level, phase, worker: null, workersJudged: groups, workers: named.slice(0, WORKERS_LISTED) };
  return { findings: [finding], outcomes: [level], worst };
}
