/**
 * Accumulated workers + per-input accounting → the Report: layout and roles, aggregation,
 * detection, verdict. Pure: no I/O, so tests and future merges can call it directly.
 */
import { aggregatePhase, type PhaseData } from '../aggregate/aggregate.ts';
import { workerContexts, type WorkerContext } from '../aggregate/contexts.ts';
import type { WorkerState } from '../aggregate/worker-state.ts';
import { detectPhase, type GroupOutcome, type JudgedPhase } from './detect.ts';
import { judgeWorkers } from './workers.ts';
import { EngineStatsAccumulator } from '../aggregate/engine-stats.ts';
import { RoutingAccumulator } from '../aggregate/routing.ts';
import { hiddenStatsFindings, judgeEngineStats, type EngineStatsInput } from './engine-stats.ts';
import { detectRouting, summarizeRouting } from './routing.ts';
import { RequestAccumulator } from '../aggregate/requests.ts';
import { RequestTraceAccumulator } from '../aggregate/request-traces.ts';
import { addKvUsage, engineStatsOf, enginesOf, kvUsageOf, type KvUsageTally } from '../aggregate/metric-series.ts';
import { judgeMetricSeries, metricsWithoutRank } from './metrics-evidence.ts';
import { judgeTraces, summarizeTraces } from './traces.ts';
import { detectRequests, summarizeRequests } from './requests.ts';
import { analyzeWindows, type WindowInput } from './windows.ts';
import type { Phase } from '../model/records.ts';
import { VERSION } from '../model/version.ts';
import { isoTime, toRankGroup } from './rows.ts';
import { metricValues, phaseHeadline } from './metrics.ts';
import {
  SCHEMA_VERSION,
  type DuplicateInput,
  type Finding,
  type GroupBy,
  type InputSummary,
  type LineAccounting,
  type PhaseReport,
  type Report,
  type Thresholds,
  type Verdict,
  type WorkerSummary,
  VERDICT_ORDER,
} from '../model/report.ts';

export interface ReportOptions {
  readonly groupBy: GroupBy;
  /** window size in ms, or `auto` (default) */
  readonly window?: number | 'auto';
  /** zone of zone-less timestamps, echoed in the report */
  readonly timezone?: string;
  /** show the rank bootstrap_room implies (`--implied-rank-from-room`) */
  readonly impliedRankFromRoom?: boolean;
  /** time filter applied while reading, echoed in the report */
  readonly timeRange?: { readonly since: number | null; readonly until: number | null } | null;
  readonly dpSize: number | null;
  readonly thresholds: Thresholds;
}

export function buildReport(
  unorderedWorkers: readonly WorkerState[],
  unorderedInputs: readonly InputSummary[],
  options: ReportOptions,
  skippedFiles: readonly string[] = [],
  duplicateInputs: readonly DuplicateInput[] = [],
): Report {
  // Name order, so a report does not depend on the order inputs were given or summaries merged.
  const workers = [...unorderedWorkers].sort((a, b) => compareNames(a.name, b.name));
  // An input split by source (--split) has one entry per worker, in worker order whatever the interleaving.
  const inputs = [...unorderedInputs].sort((a, b) => compareNames(a.name, b.name) || compareNames(a.worker, b.worker));
  const contexts = workerContexts(workers, options.dpSize);
  const phaseData: Record<Phase, PhaseData> = {
    prefill: aggregatePhase('prefill', contexts, options.groupBy),
    decode: aggregatePhase('decode', contexts, options.groupBy),
  };
  const judged: Record<Phase, JudgedPhase> = {
    prefill: detectPhase(phaseData.prefill, options.thresholds),
    decode: detectPhase(phaseData.decode, options.thresholds),
  };
  // With --by rank, every worker is judged on its own too: one bad worker must not hide in the sum.
  const perWorker = {
    prefill: options.groupBy === 'rank' ? judgeWorkers('prefill', contexts, judged.prefill, options.thresholds) : null,
    decode: options.groupBy === 'rank' ? judgeWorkers('decode', contexts, judged.decode, options.thresholds) : null,
  };
  const prefillReport = phaseReport('prefill', judged.prefill, phaseData.prefill, perWorker.prefill?.worst ?? null, options);
  const engine = judgeEngineStats(engineStatsInputs(contexts, options.groupBy), options.thresholds);
  const routingAcc = new RoutingAccumulator();
  for (const w of workers) routingAcc.merge(w.routing);
  const routing = summarizeRouting(routingAcc);
  const requestAcc = new RequestAccumulator();
  for (const w of workers) requestAcc.merge(w.requests);
  const traceAcc = new RequestTraceAccumulator();
  for (const w of workers) traceAcc.merge(w.traces);
  const traces = summarizeTraces(traceAcc);
  const requests = { ...summarizeRequests(requestAcc, options.impliedRankFromRoom === true ? impliedDpSize(contexts, options.dpSize) : null), ...(traces === undefined ? {} : { traces }) };
  const requestFindings = contexts.flatMap((c) =>
    c.state.requests.bySource.size === 0
      ? []
      : detectRequests(c.state.name, c.state.requests.bySource, options.dpSize ?? c.layout.dpSize ?? routingDpSize(contexts, null), [...c.state.requests.sentinelExamples], options.thresholds),
  );
  const timeline = analyzeWindows(windowInputs(contexts, phaseData, judged, options.groupBy), options.window ?? 'auto', options.thresholds);
  const findings: Finding[] = [
    ...judged.prefill.findings,
    ...judged.decode.findings,
    ...(perWorker.prefill?.findings ?? []),
    ...(perWorker.decode?.findings ?? []),
    ...layoutConflicts(contexts),
    ...timeline.findings,
    ...engine.findings,
    ...hiddenStatsFindings(workers.map((w) => ({ name: w.name, aggregatedStatsLines: w.aggregatedStatsLines, statsDisabled: w.notices.has('vllm-stats-disabled') }))),
    ...detectRouting(routing, [...routingAcc.sentinelExamples], routingDpSize(contexts, options.dpSize), prefillReport.groups, options.thresholds),
    ...singleRankLogging(workers),
    ...metricsWithoutRank(workers),
    ...judgeMetricSeries(workers, options.thresholds),
    ...judgeTraces(traces, options.thresholds),
    ...requestFindings,
  ];
  // A worker whose engine logs one rank only says why itself (SINGLE_RANK_LOGGING, with the fix).
  const singleRank = new Set(findings.filter((f) => f.code === 'SINGLE_RANK_LOGGING').map((f) => f.worker));
  for (let i = findings.length - 1; i >= 0; i--) {
    const f = findings[i];
    if (f?.code === 'LAYOUT_UNKNOWN' && singleRank.has(f.worker)) findings.splice(i, 1);
  }
  const totals = sumAccounting(inputs);
  if (totals.unparseable > 0) {
    const first = inputs.find((i) => i.unparseableExample !== null)?.unparseableExample;
    findings.push({
      code: 'UNPARSEABLE_LINES',
      // Torn lines happen in real logs: concurrent writers tearing 20 % of their lines leave ~1 %
      // unparseable (test/properties/torn-writers.test.ts). From 5 % on, the format is likely unknown.
      level: totals.unparseable * 20 >= totals.batchLines ? 'warn' : 'info',
      phase: null,
      worker: null,
      lines: totals.unparseable,
      example: first?.line ?? '',
      reason: first?.reason ?? '',
    });
  }
  const routingFindings = findings.filter((f) => ROUTING_CODES.has(f.code));
  const outcomes: GroupOutcome[] = [
    ...judged.prefill.groups.map((g) => g.outcome),
    ...judged.decode.groups.map((g) => g.outcome),
    ...(perWorker.prefill?.outcomes ?? []),
    ...(perWorker.decode?.outcomes ?? []),
    ...engine.outcomes,
    ...(routing.decisions > 0 ? [routingOutcome(routing.decisions, routingFindings, options.thresholds)] : []),
    ...(requests.lines > 0 ? [routingOutcome(requests.lines, requestFindings, options.thresholds)] : []),
  ];
  // A metrics dump without rank labels says why itself (METRICS_WITHOUT_RANK).
  const metricSamples = workers.some((w) => w.metrics.series.size > 0);
  if (totals.batchLines === 0 && engine.groups.length === 0 && routing.decisions === 0 && requests.lines === 0 && !metricSamples) {
    findings.push({ code: 'NO_BATCH_LINES', level: 'warn', phase: null, worker: null, linesRead: totals.linesRead });
  }

  const report = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'dpskew', version: VERSION },
    verdict: decideVerdict(outcomes, findings),
    groupBy: options.groupBy,
    timezone: options.timezone ?? 'UTC',
    timeRange: options.timeRange == null ? null : { since: isoTime(options.timeRange.since), until: isoTime(options.timeRange.until) },
    thresholds: options.thresholds,
    // An input split by source (--split) lists one entry per worker: inputs are counted by name.
    totals: { inputs: new Set(inputs.map((i) => i.name)).size, bytes: inputs.reduce((s, i) => s + i.bytes, 0), ...totals },
    inputs,
    skippedFiles: [...skippedFiles].sort(compareNames),
    duplicateInputs: [...duplicateInputs].sort((a, b) => compareNames(a.name, b.name)),
    workers: contexts.map((c) => workerSummary(c)),
    prefill: prefillReport,
    decode: phaseReport('decode', judged.decode, phaseData.decode, perWorker.decode?.worst ?? null, options),
    windows: timeline.windows,
    engineStats: { samples: engine.groups.reduce((s, g) => s + g.ranks.reduce((n, r) => n + r.samples, 0), 0), aggregatedLines: workers.reduce((s, w) => s + w.aggregatedStatsLines, 0), groups: engine.groups },
    routing,
    requests,
    findings: sortFindings(findings),
  } as const;
  return { ...report, metrics: metricValues(report), assertions: [], interrupted: false };
}

function phaseReport(phase: Phase, judged: JudgedPhase, data: PhaseData, worstWorker: PhaseReport['worstWorker'], options: ReportOptions): PhaseReport {
  const groups = judged.groups.map((g) => toRankGroup(phase, g, options.groupBy === 'worker'));
  return {
    phase,
    batches: data.batches,
    ...phaseHeadline(groups),
    ranks: groups.length === 1 ? (groups[0]?.ranks ?? null) : null,
    duplicatesDropped: data.duplicatesDropped,
    unattributed: data.unattributed,
    groups,
    worstWorker,
  };
}

/**
 * fail if anything failed; otherwise the worst of the groups' outcomes and of the findings, in the
 * order ok < warn < insufficient < fail (VERDICT_ORDER): a group that could not be judged (too few
 * batches, an unknown layout, noise) keeps the verdict from `ok` and from `warn`, so `check` does
 * not pass what it could not see. With no group at all the verdict is `insufficient`.
 */
export function decideVerdict(outcomes: readonly GroupOutcome[], findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.level === 'fail')) return 'fail';
  if (outcomes.length === 0) return 'insufficient';
  let verdict: Verdict = 'ok';
  for (const outcome of outcomes) if (VERDICT_ORDER[outcome] > VERDICT_ORDER[verdict]) verdict = outcome;
  if (findings.some((f) => f.level === 'warn') && VERDICT_ORDER[verdict] < VERDICT_ORDER.warn) verdict = 'warn';
  return verdict;
}

/** LAYOUT_CONFLICT: a worker whose layout lines announce different dp_size values (a restart, two servers in one log). */
function layoutConflicts(contexts: readonly WorkerContext[]): Finding[] {
  return contexts.flatMap((c) => (c.layout.conflict === null ? [] : [{ code: 'LAYOUT_CONFLICT' as const, level: 'info' as const, phase: null, worker: c.state.name, dpSizes: c.layout.conflict }]));
}

const ROUTING_CODES = new Set<Finding['code']>(['DP_RANK_PINNED', 'DP_RANK_SENTINEL', 'ROUTING_EXECUTION_MISMATCH']);

/** Routing decisions are judged like a group: enough of them, and the worst routing finding. */
function routingOutcome(decisions: number, findings: readonly Finding[], t: Thresholds): GroupOutcome {
  if (findings.some((f) => f.level === 'fail')) return 'fail';
  if (findings.some((f) => f.level === 'warn')) return 'warn';
  return decisions >= t.minBatches ? 'ok' : 'insufficient';
}

const LEVEL_ORDER = { fail: 0, warn: 1, info: 2 } as const;

function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]);
}

function sumAccounting(inputs: readonly InputSummary[]): LineAccounting {
  const sum = { linesRead: 0, recognised: 0, batchLines: 0, layoutLines: 0, outOfRange: 0, ignored: 0, unparseable: 0, oversized: 0, invalidUtf8: 0 };
  for (const { lines } of inputs) {
    sum.linesRead += lines.linesRead;
    sum.recognised += lines.recognised;
    sum.batchLines += lines.batchLines;
    sum.layoutLines += lines.layoutLines;
    sum.outOfRange += lines.outOfRange;
    sum.ignored += lines.ignored;
    sum.unparseable += lines.unparseable;
    sum.oversized += lines.oversized;
    sum.invalidUtf8 += lines.invalidUtf8;
  }
  return sum;
}

function workerSummary({ state, layout, role, roleSource }: WorkerContext): WorkerSummary {
  return {
    name: state.name,
    role,
    roleSource,
    dpSize: layout.dpSize,
    dpSizeSource: layout.dpSizeSource,
    inferredFrom: layout.inferredFrom,
    tpSize: layout.tpSize,
    ppSize: layout.ppSize,
    epSize: layout.epSize,
    enableDpAttention: layout.enableDpAttention,
    disaggregationMode: layout.disaggregationMode,
    inputs: state.inputs,
    prefillBatches: state.phases.prefill.lines,
    decodeBatches: state.phases.decode.lines,
  };
}

/**
 * Windows are judged on DP ranks merged across workers, for the phases that were judged at all
 * (not on too little data, nor on the TP0-only logging artefact).
 */
function windowInputs(
  contexts: readonly WorkerContext[],
  phaseData: Record<Phase, PhaseData>,
  judged: Record<Phase, JudgedPhase>,
  groupBy: GroupBy,
): WindowInput[] {
  const phases: Phase[] = ['prefill', 'decode'];
  return phases.map((phase) => {
    const judgeable = judged[phase].groups.some((g) => g.outcome !== 'insufficient' && g.data.tp0OnlyWorkers.length === 0);
    const merged = groupBy === 'rank' ? phaseData[phase].groups[0] : aggregatePhase(phase, contexts, 'rank').groups[0];
    return { phase, group: judgeable ? merged : undefined };
  });
}

/**
 * Engine stats per worker: `Engine NNN:` lines, and the per-rank series of metrics dumps (one group
 * per server the dump's labels name: `<worker> <worker_type:worker_id>`).
 */
function engineStatsInputs(contexts: readonly WorkerContext[], groupBy: GroupBy): EngineStatsInput[] {
  interface Member {
    readonly name: string;
    readonly ranks: ReadonlyMap<number, EngineStatsAccumulator>;
    readonly dpSize: number | null;
    readonly metrics: boolean;
    readonly engine: string | null;
    readonly kvUsage: ReadonlyMap<number, KvUsageTally>;
  }
  const perWorker: Member[] = [];
  for (const c of contexts) {
    // Stats lines are vLLM's (`Engine NNN:`): the only engine that logs them.
    if (c.state.engineStats.size > 0) perWorker.push({ name: c.state.name, ranks: c.state.engineStats, dpSize: c.layout.dpSize, metrics: false, engine: 'vllm', kvUsage: new Map() });
    if (c.state.metrics.series.size === 0) continue;
    const engines = enginesOf(c.state.metrics);
    const kv = kvUsageOf(c.state.metrics);
    for (const [server, ranks] of engineStatsOf(c.state.metrics)) {
      perWorker.push({ name: server === '' ? c.state.name : `${c.state.name} ${server}`, ranks, dpSize: c.layout.dpSize, metrics: true, engine: engines.get(server) ?? null, kvUsage: kv.get(server) ?? new Map() });
    }
  }
  const originOf = (members: ReadonlyArray<{ readonly metrics: boolean }>): { origin?: 'metrics' | 'mixed' } =>
    members.every((m) => !m.metrics) ? {} : { origin: members.every((m) => m.metrics) ? 'metrics' : 'mixed' };
  const kvOf = (kvUsage: ReadonlyMap<number, KvUsageTally>): { kvUsage?: ReadonlyMap<number, KvUsageTally> } => (kvUsage.size === 0 ? {} : { kvUsage });
  if (groupBy === 'worker') return perWorker.map((w) => ({ worker: w.name, ranks: w.ranks, dpSize: w.dpSize, ...originOf([w]), engine: w.engine, ...kvOf(w.kvUsage) }));
  if (perWorker.length === 0) return [];
  const sizes = perWorker.map((w) => w.dpSize).filter((d): d is number => d !== null);
  const merged = new Map<number, EngineStatsAccumulator>();
  const kvUsage = new Map<number, KvUsageTally>();
  for (const w of perWorker) {
    for (const [rank, acc] of w.ranks) {
      const into = merged.get(rank) ?? new EngineStatsAccumulator();
      into.merge(acc);
      merged.set(rank, into);
    }
    for (const [rank, tally] of w.kvUsage) {
      const into = kvUsage.get(rank) ?? { samples: 0, sum: 0, max: null };
      addKvUsage(into, tally);
      kvUsage.set(rank, into);
    }
  }
  const engines = new Set(perWorker.map((w) => w.engine));
  const [engine] = engines;
  return [{ worker: null, ranks: merged, dpSize: sizes.length === 0 ? null : Math.max(...sizes), ...originOf(perWorker), engine: engines.size === 1 ? (engine ?? null) : null, ...kvOf(kvUsage) }];
}

/** dp_size for --implied-rank-from-room: --dp-size, else the prefill servers', else any worker's. */
function impliedDpSize(contexts: readonly WorkerContext[], flag: number | null): number | null {
  const any = contexts.map((c) => c.layout.dpSize).filter((d): d is number => d !== null);
  return routingDpSize(contexts, flag) ?? (any.length > 0 ? Math.max(...any) : null);
}

/** Ranks per routed (prefill) worker: --dp-size, else the largest dp_size among prefill servers' server_args. */
function routingDpSize(contexts: readonly WorkerContext[], flag: number | null): number | null {
  if (flag !== null) return flag;
  const sizes = contexts.filter((c) => c.role === 'prefill' && c.layout.dpSize !== null).map((c) => c.layout.dpSize ?? 0);
  return sizes.length > 0 ? Math.max(...sizes) : null;
}

/**
 * TensorRT-LLM prints iteration logs from rank 0 only unless TLLM_PROFILE_LOG_RANKS=all
 *: a worker whose TRT-LLM batch lines all come from one rank cannot show balance.
 */
const SINGLE_RANK_FAMILIES = ['trtllm'];
function singleRankLogging(workers: readonly WorkerState[]): Finding[] {
  const findings: Finding[] = [];
  for (const w of workers) {
    for (const family of SINGLE_RANK_FAMILIES) {
      const ranks = w.batchRanksByFamily.get(family);
      const lines = w.batchLinesByFamily.get(family) ?? 0;
      if (lines > 0 && (ranks === undefined || ranks.size <= 1)) {
        const fetchedShare = family === 'trtllm' && w.fetchedTotal > 0 ? w.fetchedRequests / w.fetchedTotal : null;
        findings.push({ code: 'SINGLE_RANK_LOGGING', level: 'warn', phase: null, worker: w.name, family, lines, fetchedShare });
      }
    }
  }
  return findings;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
