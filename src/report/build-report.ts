/**
 * Accumulated workers + per-input accounting → the Report: layout and roles, aggregation,
 * detection, verdict. Pure: no I/O, so tests and future merges can call it directly.
 */
import { aggregatePhase, type PhaseData, type WorkerContext } from '../aggregate/aggregate.ts';
import { resolveLayout, resolveRole } from '../aggregate/layout.ts';
import type { WorkerState } from '../aggregate/worker-state.ts';
import { detectPhase, type JudgedPhase } from '../detect/detect.ts';
import type { Phase } from '../parse/types.ts';
import { VERSION } from '../version.ts';
import { toRankGroup } from './rows.ts';
import {
  SCHEMA_VERSION,
  type Finding,
  type GroupBy,
  type InputSummary,
  type LineAccounting,
  type PhaseReport,
  type Report,
  type Thresholds,
  type Verdict,
  type WorkerSummary,
} from './types.ts';

export interface ReportOptions {
  readonly groupBy: GroupBy;
  readonly dpSize: number | null;
  readonly thresholds: Thresholds;
}

export function buildReport(workers: readonly WorkerState[], inputs: readonly InputSummary[], options: ReportOptions): Report {
  const contexts: WorkerContext[] = workers.map((state) => {
    const layout = resolveLayout(state.layouts, options.dpSize);
    const { role, source } = resolveRole(state.name, layout.disaggregationMode);
    return { state, layout, role, roleSource: source };
  });
  const phaseData: Record<Phase, PhaseData> = {
    prefill: aggregatePhase('prefill', contexts, options.groupBy),
    decode: aggregatePhase('decode', contexts, options.groupBy),
  };
  const judged: Record<Phase, JudgedPhase> = {
    prefill: detectPhase(phaseData.prefill, options.thresholds),
    decode: detectPhase(phaseData.decode, options.thresholds),
  };
  const findings: Finding[] = [...judged.prefill.findings, ...judged.decode.findings];
  const totals = sumAccounting(inputs);
  if (totals.unparseable > 0) {
    const first = inputs.find((i) => i.unparseableExample !== null)?.unparseableExample;
    findings.push({
      code: 'UNPARSEABLE_LINES',
      // Torn lines happen in real logs; only when they are a visible fraction can counts be off.
      level: totals.unparseable * 100 >= totals.batchLines ? 'warn' : 'info',
      phase: null,
      worker: null,
      lines: totals.unparseable,
      example: first?.line ?? '',
      reason: first?.reason ?? '',
    });
  }
  const anyPhase = judged.prefill.groups.length + judged.decode.groups.length > 0;
  if (!anyPhase || totals.batchLines === 0) {
    findings.push({ code: 'NO_BATCH_LINES', level: 'warn', phase: null, worker: null, linesRead: totals.linesRead });
  }

  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'dpskew', version: VERSION },
    verdict: decideVerdict(judged, findings),
    groupBy: options.groupBy,
    timezone: 'UTC',
    thresholds: options.thresholds,
    totals: { inputs: inputs.length, bytes: inputs.reduce((s, i) => s + i.bytes, 0), ...totals },
    inputs,
    workers: contexts.map((c) => workerSummary(c)),
    prefill: phaseReport('prefill', judged.prefill, phaseData.prefill, options),
    decode: phaseReport('decode', judged.decode, phaseData.decode, options),
    findings: sortFindings(findings),
  };
}

function phaseReport(phase: Phase, judged: JudgedPhase, data: PhaseData, options: ReportOptions): PhaseReport {
  return {
    phase,
    batches: data.batches,
    duplicatesDropped: data.duplicatesDropped,
    unattributed: data.unattributed,
    groups: judged.groups.map((g) => toRankGroup(phase, g, options.groupBy === 'worker')),
  };
}

const ORDER: Record<Verdict, number> = { ok: 0, insufficient: 1, warn: 2, fail: 3 };

/**
 * fail if anything failed; `insufficient` if no group could be judged; otherwise the worst of the
 * judged groups and of the findings (ok < insufficient < warn < fail).
 */
function decideVerdict(judged: Record<Phase, JudgedPhase>, findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.level === 'fail')) return 'fail';
  const outcomes = [...judged.prefill.groups, ...judged.decode.groups].map((g) => g.outcome);
  if (outcomes.every((o) => o === 'insufficient')) return 'insufficient'; // also when there is no group at all
  let verdict: Verdict = 'ok';
  for (const outcome of outcomes) if (ORDER[outcome] > ORDER[verdict]) verdict = outcome;
  if (findings.some((f) => f.level === 'warn') && ORDER[verdict] < ORDER.warn) verdict = 'warn';
  return verdict;
}

const LEVEL_ORDER = { fail: 0, warn: 1, info: 2 } as const;

function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]);
}

function sumAccounting(inputs: readonly InputSummary[]): LineAccounting {
  const sum = { linesRead: 0, recognised: 0, batchLines: 0, layoutLines: 0, ignored: 0, unparseable: 0, oversized: 0, invalidUtf8: 0 };
  for (const { lines } of inputs) {
    sum.linesRead += lines.linesRead;
    sum.recognised += lines.recognised;
    sum.batchLines += lines.batchLines;
    sum.layoutLines += lines.layoutLines;
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
