/** Hand-built records and workers for aggregate/detect tests (no parser involved). */
import type { WorkerContext } from '../../src/aggregate/aggregate.ts';
import { resolveLayout, resolveRole } from '../../src/aggregate/layout.ts';
import { WorkerState } from '../../src/aggregate/worker-state.ts';
import type { BatchRecord, LayoutRecord, Phase, RankLabels } from '../../src/parse/types.ts';

export function batch(phase: Phase, ranks: Partial<RankLabels>, fields: Partial<BatchRecord> = {}): BatchRecord {
  return {
    kind: 'batch',
    phase,
    time: undefined,
    ranks: { dp: undefined, tp: undefined, pp: undefined, attnCp: undefined, moeDp: undefined, ep: undefined, ...ranks },
    newSeq: 1,
    newTokens: 100,
    cachedTokens: 0,
    running: 0,
    queue: 0,
    bootstrapQueue: undefined,
    inflight: undefined,
    legacy: false,
    prefix: 'native',
    ...fields,
  };
}

export function layout(fields: Partial<LayoutRecord>): LayoutRecord {
  return {
    kind: 'layout',
    dpSize: undefined,
    tpSize: undefined,
    ppSize: undefined,
    epSize: undefined,
    nnodes: undefined,
    nodeRank: undefined,
    enableDpAttention: undefined,
    disaggregationMode: undefined,
    ...fields,
  };
}

export function worker(name: string, records: readonly BatchRecord[], layouts: readonly LayoutRecord[] = [], dpSizeFlag: number | null = null): WorkerContext {
  const state = new WorkerState(name);
  for (const r of records) state.phases[r.phase].add(r);
  state.layouts.push(...layouts);
  const resolved = resolveLayout(state.layouts, dpSizeFlag);
  const { role, source } = resolveRole(name, resolved.disaggregationMode);
  return { state, layout: resolved, role, roleSource: source };
}

/** `counts[rank]` batches of phase on DP rank `rank`, TP = rank. */
export function linesPerRank(phase: Phase, counts: readonly number[], fields: Partial<BatchRecord> = {}): BatchRecord[] {
  return counts.flatMap((n, dp) => Array.from({ length: n }, () => batch(phase, { dp, tp: dp }, fields)));
}
