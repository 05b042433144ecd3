/**
 * Dynamo request traces (parse/dynamo-trace.ts) per phase, worker and DP rank: how many requests
 * each rank served, their time to first token, the router's queue depth when they arrived, and
 * their input tokens. A request served by separate prefill and decode workers counts on both; an
 * aggregated one (no prefill worker, or the same as the decode worker) counts as decode only.
 */
import type { RequestTraceRecord } from '../model/records.ts';
import { IntHistogram, type HistogramJson } from './int-histogram.ts';

export type TracePhase = 'prefill' | 'decode';

export interface TraceTally {
  requests: number;
  /** TTFT in whole ms */
  readonly ttftMs: IntHistogram;
  readonly queueDepth: IntHistogram;
  inputTokens: number;
  outputTokens: number;
}

export interface TraceTallyJson {
  readonly requests: number;
  readonly ttftMs: HistogramJson;
  readonly queueDepth: HistogramJson;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** [phase, worker id, rank, tally] rows in key order. */
export type RequestTracesJson = ReadonlyArray<readonly [TracePhase, string, number, TraceTallyJson]>;

type TraceEntry = { readonly phase: TracePhase; readonly worker: string; readonly rank: number; readonly tally: TraceTally };

/** The tallies of every accumulator without any: never written. */
const NO_TALLIES: ReadonlyMap<string, TraceEntry> = new Map();

export class RequestTraceAccumulator {
  /** made on the first trace: every worker has an accumulator, few read request traces (an empty map is ~180 bytes) */
  private held: Map<string, TraceEntry> | null = null;
  /** request_end records with no DP rank at all */
  unranked = 0;

  /** `phase\tworker\trank` → tally */
  get tallies(): ReadonlyMap<string, TraceEntry> {
    return this.held ?? NO_TALLIES;
  }

  private own(): Map<string, TraceEntry> {
    return (this.held ??= new Map());
  }

  get requests(): number {
    let n = 0;
    for (const { phase, tally } of this.tallies.values()) if (phase === 'decode') n += tally.requests;
    return n + this.unranked;
  }

  add(record: RequestTraceRecord): void {
    const disaggregated = record.prefillRank !== undefined && record.prefillWorker !== record.decodeWorker;
    if (disaggregated && record.prefillRank !== undefined) this.count('prefill', record.prefillWorker, record.prefillRank, record);
    const decodeRank = record.decodeRank ?? (disaggregated ? undefined : record.prefillRank);
    if (decodeRank !== undefined) this.count('decode', record.decodeRank === undefined ? record.prefillWorker : record.decodeWorker, decodeRank, record);
    else if (!disaggregated) this.unranked++;
  }

  private count(phase: TracePhase, worker: string, rank: number, r: RequestTraceRecord): void {
    const key = `${phase}\t${worker}\t${rank}`;
    let entry = this.tallies.get(key);
    if (entry === undefined) {
      entry = { phase, worker, rank, tally: emptyTraceTally() };
      this.own().set(key, entry);
    }
    const t = entry.tally;
    t.requests++;
    if (r.ttftMs !== undefined) t.ttftMs.add(Math.round(r.ttftMs));
    if (r.queueDepth !== undefined) t.queueDepth.add(r.queueDepth);
    t.inputTokens += r.inputTokens ?? 0;
    t.outputTokens += r.outputTokens ?? 0;
  }

  merge(other: RequestTraceAccumulator): void {
    for (const [key, { phase, worker, rank, tally }] of other.tallies) {
      const mine = this.tallies.get(key);
      if (mine === undefined) {
        const copy = emptyTraceTally();
        mergeTally(copy, tally);
        this.own().set(key, { phase, worker, rank, tally: copy });
      } else mergeTally(mine.tally, tally);
    }
    this.unranked += other.unranked;
  }

  toJSON(): { readonly rows: RequestTracesJson; readonly unranked: number } {
    const rows = [...this.tallies.values()]
      .sort((a, b) => (a.phase < b.phase ? -1 : a.phase > b.phase ? 1 : a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : a.rank - b.rank))
      .map(({ phase, worker, rank, tally: t }) => [phase, worker, rank, { requests: t.requests, ttftMs: t.ttftMs.toJSON(), queueDepth: t.queueDepth.toJSON(), inputTokens: t.inputTokens, outputTokens: t.outputTokens }] as const);
    return { rows, unranked: this.unranked };
  }

  static fromJSON(j: { readonly rows: RequestTracesJson; readonly unranked: number }): RequestTraceAccumulator {
    const a = new RequestTraceAccumulator();
    for (const [phase, worker, rank, t] of j.rows) {
      const tally: TraceTally = { requests: t.requests, ttftMs: IntHistogram.fromJSON(t.ttftMs), queueDepth: IntHistogram.fromJSON(t.queueDepth), inputTokens: t.inputTokens, outputTokens: t.outputTokens };
      a.own().set(`${phase}\t${worker}\t${rank}`, { phase, worker, rank, tally });
    }
    a.unranked = j.unranked;
    return a;
  }
}

function emptyTraceTally(): TraceTally {
  return { requests: 0, ttftMs: new IntHistogram(), queueDepth: new IntHistogram(), inputTokens: 0, outputTokens: 0 };
}

function mergeTally(into: TraceTally, from: TraceTally): void {
  into.requests += from.requests;
  into.ttftMs.merge(from.ttftMs);
  into.queueDepth.merge(from.queueDepth);
  into.inputTokens += from.inputTokens;
  into.outputTokens += from.outputTokens;
}
