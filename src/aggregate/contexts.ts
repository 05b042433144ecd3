/**
 * Each worker with what the report needs to judge it: its layout (declared, or inferred from the
 * other evidence the input holds) and its role. Its ranks are resolved by the counting rules
 * (PhaseState.resolve) where they are read.
 *
 * The ranks a worker should have come, in order of trust, from `--dp-size`, its `server_args` line
 * (SGLang) or `non-default args` line (vLLM `data_parallel_size`). Without those they are inferred
 * from everything else the input says, each a lower bound on the rank count, the largest winning:
 * - `labels`: the ranks the worker's own batch lines carry in either phase (only ranks with more
 *   than a trace of lines: one stray label is not a layout);
 * - `peers`: the declared dp_size of other workers of the same role, else the ranks they logged;
 * - `routing`: the highest dp_rank Dynamo's router sent (prefill and aggregated workers);
 * - `requests`: the highest dp_rank the worker's own per-request lines name.
 * A single rank seen and nothing else is not a layout: the phase's layout is then unknown, and
 * judging it would claim balance from absence (LAYOUT_UNKNOWN). So is a lone rank other than DP0
 * (a grep of one rank's lines) when only the worker's own labels speak.
 */
import type { Phase } from '../model/records.ts';
import type { Role } from '../model/report.ts';
import { resolveLayout, resolveRole, type WorkerLayout } from './layout.ts';
import type { RankAccumulator } from './rank-accumulator.ts';
import { MAX_RANKS, type ResolvedPhase, type WorkerState } from './worker-state.ts';

export interface WorkerContext {
  readonly state: WorkerState;
  readonly layout: WorkerLayout;
  readonly role: Role;
  readonly roleSource: 'name' | 'server_args' | 'none';
  /** the phase logged DP labels, but nothing says how many ranks the worker has */
  readonly layoutUnknown: Readonly<Record<Phase, boolean>>;
}

const PHASES: readonly Phase[] = ['prefill', 'decode'];

/**
 * Lines a rank may hold and still be a trace: one in a thousand of the worker's labelled lines of
 * that phase. A trace neither sets the layout nor joins a group outside it (aggregate.ts).
 */
export function traceLines(resolved: ResolvedPhase): number {
  let total = 0;
  for (const acc of resolved.ranks.values()) total += acc.batches;
  return Math.floor(total / 1000);
}

/** Ranks holding more than a trace of lines. */
export function evidentRanks(resolved: ResolvedPhase): number[] {
  const trace = traceLines(resolved);
  return [...resolved.ranks].filter(([, acc]) => acc.batches > trace).map(([rank]) => rank);
}

/**
 * What a worker's evident ranks (either phase) say about its layout: the highest (−∞ when none),
 * and whether there are two or more. Two numbers, not the set: the set of every worker lived
 * until all were made (10,000 small workers, issue 18).
 */
interface Evident {
  readonly top: number;
  readonly several: boolean;
}

function evidenceOf(resolved: Readonly<Record<Phase, ResolvedPhase>>): Evident {
  let top = Number.NEGATIVE_INFINITY;
  let first: number | null = null;
  let several = false;
  for (const phase of PHASES) {
    for (const rank of evidentRanks(resolved[phase])) {
      if (rank > top) top = rank;
      if (first === null) first = rank;
      else if (rank !== first) several = true;
    }
  }
  return { top, several };
}

/** Workers in a report: layout and role, with layouts inferred where none is declared. */
export function workerContexts(states: readonly WorkerState[], dpSizeFlag: number | null): WorkerContext[] {
  // Sets of ranks 0 … n − 1 by n, shared by the workers' layouts, declared or inferred.
  const rangeSets = new Map<number, ReadonlySet<number>>();
  const base = states.map((state) => {
    const layout = resolveLayout(state.layouts, dpSizeFlag, rangeSets);
    const { role, source } = resolveRole(state.name, layout.disaggregationMode);
    // The resolved ranks are not kept: aggregatePhase resolves a phase again where it needs it.
    // Kept for every worker while a report was built, they lived long enough to be promoted
    // (10,000 small workers: ~6 MB of old space, issue 18).
    const resolved = { prefill: state.phases.prefill.resolve(), decode: state.phases.decode.resolve() };
    const labelled = { prefill: resolved.prefill.ranks.size > 0, decode: resolved.decode.ranks.size > 0 };
    return { state, layout, role, roleSource: source, labelled, evident: evidenceOf(resolved) };
  });
  const routedRanks = highestRoutedRank(states) + 1;
  const peers = peerEvidence(base);
  return base.map((w) => {
    const unknown = { prefill: false, decode: false };
    let layout = w.layout;
    for (const phase of PHASES) {
      if (layout.expectedRanks[phase] !== null) continue;
      const labelled = w.labelled[phase];
      const evidence: Array<readonly [NonNullable<WorkerLayout['inferredFrom']>, number]> = [
        ['labels', w.evident.top === Number.NEGATIVE_INFINITY ? 0 : w.evident.top + 1],
        ['peers', peerRanks(w, peers)],
        ['routing', w.role === 'prefill' || w.role === 'agg' ? routedRanks : 0],
        ['requests', highestRequestedRank(w.state) + 1],
      ];
      const [from, count] = evidence.reduce((best, e) => (e[1] > best[1] ? e : best));
      // One rank of the worker's own is no evidence of how many there are; other sources are.
      const lone = from === 'labels' && !w.evident.several;
      if (count >= 2 && !lone && count <= MAX_RANKS) {
        let ranks = rangeSets.get(count);
        if (ranks === undefined) {
          ranks = new Set(Array.from({ length: count }, (_, r) => r));
          rangeSets.set(count, ranks);
        }
        layout = inferred(layout, phase, ranks, from);
      } else if (labelled || w.state.fetchedTotal > w.state.fetchedRequests) {
        // DP labels say there is a DP deployment (or TensorRT-LLM says other ranks fetched requests).
        unknown[phase] = labelled;
      }
    }
    return { state: w.state, layout, role: w.role, roleSource: w.roleSource, layoutUnknown: unknown };
  });
}

/** @param ranks 0 … count − 1 */
function inferred(layout: WorkerLayout, phase: Phase, ranks: ReadonlySet<number>, from: NonNullable<WorkerLayout['inferredFrom']>): WorkerLayout {
  return {
    ...layout,
    dpSize: layout.dpSize ?? ranks.size,
    dpSizeSource: layout.dpSizeSource === 'none' ? 'inferred' : layout.dpSizeSource,
    inferredFrom: layout.inferredFrom ?? from,
    expectedRanks: { ...layout.expectedRanks, [phase]: ranks },
  };
}

/** The two highest values of a role's workers, and whose the highest is: the highest of anyone's peers in one step. */
interface TopTwo {
  first: number;
  owner: WorkerState | null;
  second: number;
}

/** Per role: the declared dp_size values, and each worker's highest evident rank. */
interface PeerEvidence {
  readonly declared: Map<Role, TopTwo>;
  readonly logged: Map<Role, TopTwo>;
}

/**
 * What each worker's peers say, gathered once over all workers: asking every worker about every
 * other took ranks² time (10,000 small files, each its own worker: 15 s).
 */
function peerEvidence(all: ReadonlyArray<{ readonly state: WorkerState; readonly role: Role; readonly layout: WorkerLayout; readonly evident: Evident }>): PeerEvidence {
  const declared = new Map<Role, TopTwo>();
  const logged = new Map<Role, TopTwo>();
  const offer = (tops: Map<Role, TopTwo>, role: Role, value: number, owner: WorkerState): void => {
    let top = tops.get(role);
    if (top === undefined) {
      top = { first: Number.NEGATIVE_INFINITY, owner: null, second: Number.NEGATIVE_INFINITY };
      tops.set(role, top);
    }
    if (value > top.first) {
      top.second = top.first;
      top.first = value;
      top.owner = owner;
    } else if (value > top.second) top.second = value;
  };
  for (const w of all) {
    if (w.role === 'unknown') continue;
    if (w.layout.dpSize !== null) offer(declared, w.role, w.layout.dpSize, w.state);
    if (w.evident.top !== Number.NEGATIVE_INFINITY) offer(logged, w.role, w.evident.top, w.state);
  }
  return { declared, logged };
}

/** The highest value of `role`'s workers other than `self`; −∞ when none. */
function highestOfOthers(tops: ReadonlyMap<Role, TopTwo>, role: Role, self: WorkerState): number {
  const top = tops.get(role);
  if (top === undefined) return Number.NEGATIVE_INFINITY;
  return top.owner === self ? top.second : top.first;
}

/** Ranks of the worker's peers (same role): the largest declared dp_size, else the highest rank they logged + 1. */
function peerRanks(self: { readonly state: WorkerState; readonly role: Role }, peers: PeerEvidence): number {
  if (self.role === 'unknown') return 0;
  const declared = highestOfOthers(peers.declared, self.role, self.state);
  if (declared !== Number.NEGATIVE_INFINITY) return declared;
  const logged = highestOfOthers(peers.logged, self.role, self.state);
  return logged === Number.NEGATIVE_INFINITY ? 0 : logged + 1;
}

function highestRoutedRank(states: readonly WorkerState[]): number {
  let highest = -1;
  for (const state of states) for (const tally of state.routing.byWorker.values()) for (const rank of tally.ranks.keys()) highest = Math.max(highest, rank);
  return highest;
}

function highestRequestedRank(state: WorkerState): number {
  let highest = -1;
  for (const tally of state.requests.bySource.values()) {
    for (const rank of tally.ranks.keys()) highest = Math.max(highest, rank);
    for (const rank of tally.executed.keys()) highest = Math.max(highest, rank);
  }
  return highest;
}

/** A copy of a worker-phase's resolved ranks, for one grouping to add to. */
export function copyRanks(resolved: ResolvedPhase): Map<number, RankAccumulator> {
  return new Map(resolved.ranks);
}
