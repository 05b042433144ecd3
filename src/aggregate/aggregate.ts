/**
 * Folds the workers' resolved ranks into the rank groups that are judged: one group over all
 * workers (`--by rank`, DP ranks summed across workers) or one per worker (`--by worker`).
 * Every expected rank is present, with zero batches if it never logged.
 *
 * Lines that cannot be attributed are counted apart, never guessed onto a rank:
 * - lines without a DP label belong to DP0 only on a single-rank worker (dp_size 1, or no layout
 *   and no DP label anywhere in its log); on a worker that logs DP labels they are torn lines or
 *   another format, and counted as unattributed;
 * - a rank outside the worker's layout holding only a trace of lines (contexts.ts traceLines) is a
 *   torn or stray label: its lines are unattributed too, so one such line costs at most itself.
 */
import type { Phase } from '../model/records.ts';
import type { GroupBy } from '../model/report.ts';
import { copyRanks, traceLines, type WorkerContext } from './contexts.ts';
import { RankAccumulator } from './rank-accumulator.ts';

export type { WorkerContext } from './contexts.ts';

export interface RankGroupData {
  /** `null` for the all-workers group */
  readonly worker: string | null;
  /** sorted by rank; includes expected ranks that never logged */
  readonly ranks: ReadonlyArray<{ readonly rank: number; readonly totals: RankAccumulator }>;
  /** workers in this group whose only logging rank is the old global-TP0 artefact */
  readonly tp0OnlyWorkers: readonly string[];
  /** workers in this group whose rank count nothing tells (LAYOUT_UNKNOWN), with the ranks they logged */
  readonly layoutUnknown: ReadonlyArray<{ readonly worker: string; readonly ranks: readonly number[]; readonly lines: number }>;
  /** log families whose batch lines the group's workers hold (advice depends on the engine) */
  readonly families: readonly string[];
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
  readonly unlabeled: ReadonlyArray<{
    readonly worker: string;
    readonly lines: number;
    readonly dpSize: number | null;
    readonly attributed: boolean;
    /** the worker's lines of this phase, labelled or not */
    readonly phaseLines: number;
  }>;
  /** lines of ranks outside a worker's layout that held only a trace (counted in `unattributed`) */
  readonly strayLines: number;
  readonly dpMinusOne: ReadonlyArray<{ readonly worker: string; readonly lines: number }>;
  /** prefill-role workers that logged no Prefill batch line at all */
  readonly silentPrefillServers: readonly string[];
  /** batch lines dropped because a worker had more ranks or label sets than the caps */
  readonly rankOverflow: number;
}

interface WorkerRanks {
  readonly worker: string;
  /** the worker's ranks; with `--by rank` merged into the group's as each worker is read, and left empty */
  readonly ranks: ReadonlyMap<number, RankAccumulator>;
  readonly tp0Only: boolean;
  readonly layoutUnknown: RankGroupData['layoutUnknown'][number] | null;
  readonly families: readonly string[];
}

export function aggregatePhase(phase: Phase, workers: readonly WorkerContext[], groupBy: GroupBy): PhaseData {
  const participants: string[] = [];
  const perWorker: WorkerRanks[] = [];
  const unlabeled: Array<PhaseData['unlabeled'][number]> = [];
  const dpMinusOne: Array<PhaseData['dpMinusOne'][number]> = [];
  const silentPrefillServers: string[] = [];
  let duplicatesDropped = 0;
  let unattributed = 0;
  let strayLines = 0;
  let rankOverflow = 0;
  let batches = 0;
  // --by rank: each worker's ranks are merged as it is read, not held for all workers until the
  // end (10,000 small workers: ~8 MB that lived long enough to be promoted, issue 18).
  const merged = groupBy === 'worker' ? null : new Map<number, RankAccumulator>();

  for (const context of workers) {
    const { state, layout, role } = context;
    const phaseState = state.phases[phase];
    const roleRuns = role === 'agg' || role === phase;
    if (!roleRuns && phaseState.lines === 0) continue;
    participants.push(state.name);
    if (phase === 'prefill' && role === 'prefill' && phaseState.lines === 0) silentPrefillServers.push(state.name);

    rankOverflow += phaseState.rankOverflow;
    const resolved = phaseState.resolve();
    duplicatesDropped += resolved.duplicates;
    if (phaseState.dpMinusOne > 0) dpMinusOne.push({ worker: state.name, lines: phaseState.dpMinusOne });
    const ranks = copyRanks(resolved);
    const observed = [...ranks.keys()];
    const expected = layout.expectedRanks[phase];

    // Ranks outside the layout that hold only a trace are torn or stray labels.
    if (expected !== null) {
      const trace = traceLines(resolved);
      for (const rank of observed) {
        const acc = ranks.get(rank);
        if (acc === undefined || expected.has(rank) || acc.batches > trace) continue;
        strayLines += acc.batches;
        unattributed += acc.batches;
        ranks.delete(rank);
      }
    }

    const loose = phaseState.unlabeled;
    if (loose !== null && loose.batches > 0) {
      // Lines without a DP label belong to the worker's only rank when it has one; on a worker with
      // several ranks, or one whose log carries DP labels at all, they cannot be attributed.
      const labelledAnywhere = state.phases.prefill.byDp.size > 0 || state.phases.decode.byDp.size > 0;
      const attributed = layout.dpSize === null ? !labelledAnywhere : layout.dpSize <= 1;
      unlabeled.push({ worker: state.name, lines: loose.batches, dpSize: layout.dpSize, attributed, phaseLines: phaseState.lines });
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

    if (expected !== null) for (const r of expected) if (!ranks.has(r)) ranks.set(r, new RankAccumulator());

    const dpAttention = layout.enableDpAttention === true || (layout.dpSize ?? 1) > 1;
    const tp0Only = dpAttention && phaseState.legacyLines > 0 && observed.every((r) => r === 0) && phaseState.nonZeroTpLines === 0;
    const layoutUnknown = context.layoutUnknown[phase]
      ? { worker: state.name, ranks: [...ranks.keys()].sort((a, b) => a - b), lines: [...ranks.values()].reduce((s, a) => s + a.batches, 0) }
      : null;
    const families = state.batchLinesByFamily.entries().filter(([, n]) => n > 0).map(([family]) => family);
    for (const acc of ranks.values()) batches += acc.batches;
    if (merged !== null) mergeInto(merged, ranks);
    perWorker.push({ worker: state.name, ranks: merged === null ? ranks : NO_RANKS, tp0Only, layoutUnknown, families });
  }

  const groups: RankGroupData[] =
    merged === null ? perWorker.map((w) => groupOf(w.worker, [w], sortRanks(w.ranks))) : perWorker.length === 0 ? [] : [groupOf(null, perWorker, sortRanks(merged))];
  return { phase, participants, batches, duplicatesDropped, unattributed, groups, unlabeled, strayLines, dpMinusOne, silentPrefillServers, rankOverflow };
}

function groupOf(worker: string | null, members: readonly WorkerRanks[], ranks: RankGroupData['ranks']): RankGroupData {
  return {
    worker,
    ranks,
    tp0OnlyWorkers: members.filter((w) => w.tp0Only).map((w) => w.worker),
    layoutUnknown: members.flatMap((w) => (w.layoutUnknown === null ? [] : [w.layoutUnknown])),
    families: [...new Set(members.flatMap((w) => w.families))].sort(),
  };
}

const NO_RANKS: ReadonlyMap<number, RankAccumulator> = new Map();

/** Adds a worker's ranks to the group's, rank by rank (fresh accumulators: the worker's stay as they are). */
function mergeInto(merged: Map<number, RankAccumulator>, ranks: ReadonlyMap<number, RankAccumulator>): void {
  for (const [rank, acc] of ranks) {
    const into = merged.get(rank) ?? new RankAccumulator();
    into.merge(acc);
    merged.set(rank, into);
  }
}

function sortRanks(ranks: ReadonlyMap<number, RankAccumulator>): RankGroupData['ranks'] {
  return [...ranks.entries()].sort((a, b) => a[0] - b[0]).map(([rank, totals]) => ({ rank, totals }));
}
