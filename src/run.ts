/**
 * run(paths, options) → Report: io → parse → aggregate → detect. No console, no exit codes.
 */
import type { Readable } from 'node:stream';
import { aggregatePhase, type PhaseData, type WorkerContext } from './aggregate/aggregate.ts';
import { resolveLayout, resolveRole } from './aggregate/layout.ts';
import { WorkerState } from './aggregate/worker-state.ts';
import { detectPhase, type JudgedPhase } from './detect/detect.ts';
import type { InputError } from './errors.ts';
import { createLineScanner } from './io/lines.ts';
import { readInput } from './io/read-input.ts';
import { resolveSources, workerNames } from './io/sources.ts';
import type { Options } from './options.ts';
import { PARSERS } from './parse/index.ts';
import type { LineParser, Phase } from './parse/types.ts';
import { toRankGroup } from './report/rows.ts';
import {
  SCHEMA_VERSION,
  type Finding,
  type InputSummary,
  type LineAccounting,
  type PhaseReport,
  type Report,
  type Verdict,
  type WorkerSummary,
} from './report/types.ts';
import { VERSION } from './version.ts';

export interface RunContext {
  readonly stdin: Readable;
  readonly cwd: string;
}

export interface RunResult {
  readonly report: Report;
  /** unreadable paths and inputs that failed part-way (their partial numbers are in the report) */
  readonly inputErrors: readonly InputError[];
  /** directory entries skipped because their names are not log names */
  readonly skipped: readonly string[];
}

const EXAMPLE_MAX_CHARS = 300;

export async function run(paths: readonly string[], options: Options, context: RunContext): Promise<RunResult> {
  const { sources, skipped, errors } = await resolveSources(paths.length === 0 ? ['-'] : paths);
  const inputErrors: InputError[] = [...errors];
  const names = workerNames(sources, context.cwd);
  const parsers: LineParser[] = Object.values(PARSERS).map((create) => create());
  const needles = [...new Set(parsers.flatMap((p) => p.needles))];
  const workers = new Map<string, WorkerState>();
  const inputs: InputSummary[] = [];

  for (const source of sources) {
    const workerName = names.get(source.name) ?? source.name;
    let worker = workers.get(workerName);
    if (worker === undefined) {
      worker = new WorkerState(workerName);
      workers.set(workerName, worker);
    }
    worker.inputs.push(source.name);
    const target = worker;
    let batchLines = 0;
    let layoutLines = 0;
    let unparseable = 0;
    let invalidUtf8 = 0;
    let example: InputSummary['unparseableExample'] = null;
    const scanner = createLineScanner({
      needles,
      maxLineBytes: options.maxLineBytes,
      onCandidate: (line) => {
        if (line.includes('\uFFFD')) invalidUtf8++;
        for (const parser of parsers) {
          const result = parser.parse(line);
          if (result.kind === 'ignored') continue;
          if (result.kind === 'unparseable') {
            unparseable++;
            example ??= { line: line.slice(0, EXAMPLE_MAX_CHARS), reason: result.reason };
            return;
          }
          const record = result.record;
          if (record.kind === 'batch') {
            batchLines++;
            target.phases[record.phase].add(record);
          } else {
            layoutLines++;
            target.layouts.push(record);
          }
          return;
        }
      },
    });
    const read = await readInput(source, context.stdin, scanner.push);
    scanner.end();
    if (read.error !== null) inputErrors.push(read.error);
    const { lines, oversized } = scanner.counts;
    inputs.push({
      name: source.name,
      worker: workerName,
      gzip: read.gzip,
      bytes: read.bytes,
      lines: {
        linesRead: lines,
        recognised: batchLines + layoutLines,
        batchLines,
        layoutLines,
        ignored: lines - oversized - batchLines - layoutLines - unparseable,
        unparseable,
        oversized,
        invalidUtf8,
      },
      unparseableExample: example,
      error: read.error === null ? null : read.error.message,
    });
  }
  for (const error of errors) inputs.push(unreadableInput(error, names.get(error.path) ?? error.path));

  const contexts: WorkerContext[] = [...workers.values()].map((state) => {
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

  const report: Report = {
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
  return { report, inputErrors, skipped };
}

function phaseReport(phase: Phase, judged: JudgedPhase, data: PhaseData, options: Options): PhaseReport {
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

function unreadableInput(error: InputError, worker: string): InputSummary {
  return {
    name: error.path,
    worker,
    gzip: false,
    bytes: 0,
    lines: { linesRead: 0, recognised: 0, batchLines: 0, layoutLines: 0, ignored: 0, unparseable: 0, oversized: 0, invalidUtf8: 0 },
    unparseableExample: null,
    error: error.message,
  };
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
