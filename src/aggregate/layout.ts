/**
 * A worker's DP layout and role, from its `server_args` (SGLang) or `non-default args` (vLLM)
 * lines, its file name and `--dp-size`. The result does not depend on the order the lines came in
 * (files of one worker read in any order): where layout lines disagree, the largest dp_size and
 * the union of the ranks they announce win, and `conflict` says so.
 */
import type { LayoutRecord, Phase } from '../model/records.ts';
import type { Role } from '../model/report.ts';
import { MAX_RANKS } from './worker-state.ts';

export interface WorkerLayout {
  readonly dpSize: number | null;
  /** `inferred`: no layout line; contexts.ts read the rank count from other evidence (`inferredFrom`) */
  readonly dpSizeSource: 'flag' | 'server_args' | 'engine_args' | 'inferred' | 'none';
  readonly inferredFrom: 'labels' | 'peers' | 'routing' | 'requests' | null;
  /** layout lines of this worker announce different dp_size values */
  readonly conflict: readonly number[] | null;
  readonly tpSize: number | null;
  readonly ppSize: number | null;
  readonly epSize: number | null;
  readonly enableDpAttention: boolean | null;
  readonly disaggregationMode: string | null;
  /**
   * DP ranks this worker's log should hold per phase; `null` when unknown. A multi-node
   * dp-attention server runs ranks k·dp/nnodes … (k+1)·dp/nnodes−1 on node k, and each node prints
   * its own server_args. A server_args line with disaggregation_mode 'prefill' (or 'decode') speaks
   * only for that phase, so one stream holding several workers' logs stays correct.
   */
  readonly expectedRanks: Readonly<Record<Phase, ReadonlySet<number> | null>>;
}

/**
 * @param shared sets of ranks 0 … n − 1 already made, by n: the workers of one report share them
 *   (10,000 small workers: a set each was ~2.7 MB while the report was built)
 */
export function resolveLayout(layouts: readonly LayoutRecord[], dpSizeFlag: number | null, shared: Map<number, ReadonlySet<number>> = new Map()): WorkerLayout {
  // The most frequent value of a field (ties: the largest), so the order of lines does not matter.
  const first = <K extends 'dpSize' | 'tpSize' | 'ppSize' | 'epSize' | 'enableDpAttention' | 'disaggregationMode'>(key: K): LayoutRecord[K] | undefined => {
    const counts = new Map<LayoutRecord[K], number>();
    for (const layout of layouts) if (layout[key] !== undefined) counts.set(layout[key], (counts.get(layout[key]) ?? 0) + 1);
    let best: LayoutRecord[K] | undefined;
    let bestCount = 0;
    for (const [value, n] of counts) {
      if (n > bestCount || (n === bestCount && best !== undefined && larger(value, best))) {
        best = value;
        bestCount = n;
      }
    }
    return best;
  };
  const sizes = [...new Set(layouts.map((l) => l.dpSize).filter((d): d is number => d !== undefined))].sort((a, b) => a - b);
  const logged = sizes.length === 0 ? undefined : sizes[sizes.length - 1];
  const dpSize = dpSizeFlag ?? logged ?? null;
  const expectedRanks: Record<Phase, Set<number> | null> = { prefill: null, decode: null };
  if (dpSizeFlag !== null) {
    expectedRanks.prefill = range(0, dpSizeFlag);
    expectedRanks.decode = range(0, dpSizeFlag);
  } else {
    for (const layout of layouts) {
      const dp = layout.dpSize;
      if (dp === undefined) continue;
      const nnodes = layout.nnodes ?? 1;
      const nodeRank = layout.nodeRank ?? 0;
      const split = nnodes > 1 && layout.enableDpAttention === true && dp % nnodes === 0 && nodeRank < nnodes;
      // vLLM's external/hybrid load balancing: this process serves ranks firstRank … firstRank + localRanks − 1.
      const own = layout.firstRank !== undefined && layout.firstRank < dp;
      const perNode = own ? Math.min(layout.localRanks ?? 1, dp - (layout.firstRank ?? 0)) : split ? dp / nnodes : dp;
      const base = own ? (layout.firstRank ?? 0) : split ? nodeRank * perNode : 0;
      const mode = layout.disaggregationMode;
      const phases: Phase[] = mode === 'prefill' || mode === 'decode' ? [mode] : ['prefill', 'decode'];
      for (const phase of phases) {
        const set = expectedRanks[phase] ?? new Set<number>();
        for (const r of range(base, base + perNode)) set.add(r);
        expectedRanks[phase] = set;
      }
    }
  }
  const modes = new Set(layouts.map((l) => l.disaggregationMode).filter((m) => m !== undefined));
  const expected = { prefill: sharedRange(expectedRanks.prefill, shared), decode: sharedRange(expectedRanks.decode, shared) };
  return {
    dpSize,
    dpSizeSource: dpSizeFlag !== null ? 'flag' : logged === undefined ? 'none' : layouts.some((l) => l.dpSize !== undefined && l.origin === 'server_args') ? 'server_args' : 'engine_args',
    inferredFrom: null,
    conflict: sizes.length > 1 ? sizes : null,
    tpSize: first('tpSize') ?? null,
    ppSize: first('ppSize') ?? null,
    epSize: first('epSize') ?? null,
    enableDpAttention: first('enableDpAttention') ?? null,
    // Several modes in one input (several workers' logs on one stream): no single role.
    disaggregationMode: modes.size > 1 ? 'mixed' : (first('disaggregationMode') ?? null),
    expectedRanks: expected,
  };
}

/** Role from an srt-slurm style name (`node_prefill_w0`), else from disaggregation_mode. */
export function resolveRole(
  name: string,
  disaggregationMode: string | null,
): { readonly role: Role; readonly source: 'name' | 'server_args' | 'none' } {
  const lower = name.toLowerCase();
  const match = /(?:^|[^a-z])(prefill|decode|agg)(?:[^a-z]|$)/.exec(lower) ?? /(prefill|decode)/.exec(lower);
  const fromName = match?.[1];
  if (fromName === 'prefill' || fromName === 'decode' || fromName === 'agg') return { role: fromName, source: 'name' };
  if (disaggregationMode === 'prefill' || disaggregationMode === 'decode') return { role: disaggregationMode, source: 'server_args' };
  if (disaggregationMode === 'null') return { role: 'agg', source: 'server_args' };
  return { role: 'unknown', source: 'none' };
}

/** `ranks`, or the set in `shared` equal to it when it is 0 … n − 1 (which then joins `shared`). */
function sharedRange(ranks: ReadonlySet<number> | null, shared: Map<number, ReadonlySet<number>>): ReadonlySet<number> | null {
  if (ranks === null) return null;
  const n = ranks.size;
  // n distinct integers, each in [0, n): the set is 0 … n − 1.
  for (const r of ranks) if (!(Number.isInteger(r) && r >= 0 && r < n)) return ranks;
  const known = shared.get(n);
  if (known !== undefined) return known;
  shared.set(n, ranks);
  return ranks;
}

/** Ranks from..to−1, capped at MAX_RANKS of them (a garbage dp_size must not allocate billions). */
function range(from: number, to: number): Set<number> {
  const out = new Set<number>();
  for (let r = from; r < Math.min(to, from + MAX_RANKS); r++) out.add(r);
  return out;
}

/** Order of layout values for ties: numbers by value, the rest by their text. */
function larger(a: unknown, b: unknown): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a > b : String(a) > String(b);
}
