/**
 * Folds the workers' accumulated lines into the rank groups that are judged: one group over all
 * workers (`--by rank`, DP ranks summed across workers) or one per worker (`--by worker`).
 * Every expected rank is present, with zero batches if it never logged.
 */
import type { Phase } from '../parse/types.ts';
import type { GroupBy, Role } from '../report/types.ts';
import type { WorkerLayout } from './layout.ts';
import { RankAccumulator } from './rank-accumulator.ts';
import { MAX_RANKS, type WorkerState } from './worker-state.ts';

export interface WorkerContext {
  readonly state: WorkerState;
  readonly layout: WorkerLayout;
  readonly role: Role;
  readonly roleSource: 'name' | 'server_args' | 'none';
}

export interface RankGroupData {
  /** `null` for the all-workers group */
  readonly worker: string | null;
  /** sorted by rank; includes expected ranks that never logged */
  readonly ranks: ReadonlyArray<{ readonly rank: number; readonly totals: RankAccumulator }>;
  /** workers in this group whose only logging rank is the old global-TP0 artefact */
  readonly tp0OnlyWorkers: readonly string[];
}

export interface PhaseData {
  readonly phase: Phase;
  /** workers that ran (or, by role, should have run) this phase */
  readonly participants: readonly string[];
  readonly batches: number;
  readonly duplicatesDropped: number;
  readonly unattributed: number;
  readonly groups: readonly RankGroupData[];
  /** workers with batch lines lacking DP labels: where they went */
  readonly unlabeled: ReadonlyArray<{ readonly worker: string; readonly lines: number; readonly dpSize: number | null; readonly attributed: boolean }>;
  readonly dpMinusOne: ReadonlyArray<{ readonly worker: string; readonly lines: number }>;
  /** prefill-role workers that logged no Prefill batch line at all */
  readonly silentPrefillServers: readonly string[];
  /** batch lines dropped because a worker had more than MAX_RANKS distinct ranks */
  readonly rankOverflow: number;
}

interface WorkerRanks {
  readonly worker: string;
  readonly ranks: Map<number, RankAccumulator>;
  readonly tp0Only: boolean;
}

export function aggregatePhase(phase: Phase, workers: readonly WorkerContext[], groupBy: GroupBy): PhaseData {
  const participants: string[] = [];
  const perWorker: WorkerRanks[] = [];
  const unlabeled: PhaseData['unlabeled'][number][] = [];
  const dpMinusOne: PhaseData['dpMinusOne'][number][] = [];
  const silentPrefillServers: string[] = [];
  let duplicatesDropped = 0;
  let unattributed = 0;
  let rankOverflow = 0;

  for (const { state, layout, role } of workers) {
    const phaseState = state.phases[phase];
    const roleRuns = role === 'agg' || role === phase;
    if (!roleRuns && phaseState.lines === 0) continue;
    participants.push(state.name);
    if (phase === 'prefill' && role === 'prefill' && phaseState.lines === 0) silentPrefillServers.push(state.name);

    rankOverflow += phaseState.rankOverflow;
    const { ranks, tpDuplicates } = phaseState.resolve();
    duplicatesDropped += phaseState.pipelineDuplicates + tpDuplicates;
    if (phaseState.dpMinusOne > 0) dpMinusOne.push({ worker: state.name, lines: phaseState.dpMinusOne });

    const loose = phaseState.unlabeled;
    if (loose.batches > 0) {
      // Lines without a DP label belong to the worker's only rank when it has one; with dp_size > 1
      // they cannot be attributed and are counted apart.
      const attributed = layout.dpSize === null || layout.dpSize <= 1;
      unlabeled.push({ worker: state.name, lines: loose.batches, dpSize: layout.dpSize, attributed });
      if (attributed) {
        const rank0 = new RankAccumulator();
        const labelled = ranks.get(0);
        if (labelled !== undefined) rank0.merge(labelled);
        rank0.merge(loose);
        ranks.set(0, rank0);
      } else {
        unattributed += loose.batches;
      }
    }

    const observed = [...ranks.keys()];
    const expectedByLayout = layout.expectedRanks[phase];
    const expected = new Set<number>(expectedByLayout ?? []);
    if (expectedByLayout === null && observed.length > 0) {
      // No layout: a gap below the highest rank seen is a rank that never logged.
      const highest = Math.max(...observed);
      // Fill gaps only where they are plausible ranks; a lone DP123456 from a torn line is not a layout.
      if (highest < MAX_RANKS) for (let r = 0; r <= highest; r++) expected.add(r);
    }
    for (const r of expected) if (!ranks.has(r)) ranks.set(r, new RankAccumulator());

    const dpAttention = layout.enableDpAttention === true || (layout.dpSize ?? 1) > 1;
    const tp0Only =
      dpAttention && phaseState.legacyLines > 0 && observed.every((r) => r === 0) && phaseState.nonZeroTpLines === 0;
    perWorker.push({ worker: state.name, ranks, tp0Only });
  }

  const groups: RankGroupData[] =
    groupBy === 'worker'
      ? perWorker.map((w) => ({ worker: w.worker, ranks: sortRanks(w.ranks), tp0OnlyWorkers: w.tp0Only ? [w.worker] : [] }))
      : perWorker.length === 0
        ? []
        : [mergeWorkers(perWorker)];
  const batches = perWorker.reduce((sum, w) => sum + [...w.ranks.values()].reduce((s, a) => s + a.batches, 0), 0);
  return { phase, participants, batches, duplicatesDropped, unattributed, groups, unlabeled, dpMinusOne, silentPrefillServers, rankOverflow };
}

function mergeWorkers(workers: readonly WorkerRanks[]): RankGroupData {
  const merged = new Map<number, RankAccumulator>();
  for (const w of workers) {
    for (const [rank, acc] of w.ranks) {
      const into = merged.get(rank) ?? new RankAccumulator();
      into.merge(acc);
      merged.set(rank, into);
    }
  }
  return { worker: null, ranks: sortRanks(merged), tp0OnlyWorkers: workers.filter((w) => w.tp0Only).map((w) => w.worker) };
}

function sortRanks(ranks: Map<number, RankAccumulator>): RankGroupData['ranks'] {
  return [...ranks.entries()].sort((a, b) => a[0] - b[0]).map(([rank, totals]) => ({ rank, totals }));
}
