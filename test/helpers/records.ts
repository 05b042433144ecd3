/** Hand-built records and workers for aggregate/detect tests (no parser involved). */
import { workerContexts, type WorkerContext } from '../../src/aggregate/contexts.ts';
import { WorkerState } from '../../src/aggregate/worker-state.ts';
import type { BatchRecord, LayoutRecord, Phase, RankLabels } from '../../src/model/records.ts';

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
    fetched: undefined,
    fetchedTotal: undefined,
    ...fields,
  };
}

export function layout(fields: Partial<LayoutRecord>): LayoutRecord {
  return {
    kind: 'layout',
    origin: 'server_args',
    dpSize: undefined,
    tpSize: undefined,
    ppSize: undefined,
    epSize: undefined,
    nnodes: undefined,
    nodeRank: undefined,
    firstRank: undefined,
    localRanks: undefined,
    enableDpAttention: undefined,
    disaggregationMode: undefined,
    ...fields,
  };
}

/** A worker's state from records and layout lines, without the context (for several workers: `contexts`). */
export function workerState(name: string, records: readonly BatchRecord[], layouts: readonly LayoutRecord[] = []): WorkerState {
  const state = new WorkerState(name);
  for (const r of records) state.addBatch(r, 'sglang');
  state.layouts.push(...layouts);
  return state;
}

/** One worker in a report of its own. */
export function worker(name: string, records: readonly BatchRecord[], layouts: readonly LayoutRecord[] = [], dpSizeFlag: number | null = null): WorkerContext {
  const [context] = workerContexts([workerState(name, records, layouts)], dpSizeFlag);
  if (context === undefined) throw new Error('no context');
  return context;
}

/** `counts[rank]` batches of phase on DP rank `rank`, TP = rank. */
export function linesPerRank(phase: Phase, counts: readonly number[], fields: Partial<BatchRecord> = {}): BatchRecord[] {
  return counts.flatMap((n, dp) => Array.from({ length: n }, () => batch(phase, { dp, tp: dp }, fields)));
}
