/**
 * Report (or a comparison of two) → the data the HTML page embeds (page-types.ts). Pure; every
 * sentence comes from the renderers' own helpers (messages.ts, format.ts), so the page says what
 * the table and Markdown outputs say.
 */
import type { Comparison } from '../../analyze/compare.ts';
import type { Phase } from '../../model/records.ts';
import type { Finding, PhaseReport, PhaseWindows, RankGroup, Report } from '../../model/report.ts';
import { capitalize, formatInt, formatPercent, formatPValue, formatRatio, rankLabel, sanitize } from '../format.ts';
import { describeFinding, verdictReason } from '../messages.ts';
import { pageSeries } from './page-series.ts';
import {
  assertionTable,
  engineStatsTables,
  formatBytes,
  inputTables,
  int,
  rank,
  requestTables,
  rankTable,
  routingTables,
  share,
  table,
  thresholdTable,
  workerTable,
} from './page-tables.ts';
import type { ComparePage, PageFinding, PagePhase, PageRange, PageSide, PageTable, ReportPage } from './page-types.ts';

/** Idle periods linked from one IDLE_PERIOD finding at most (the report lists them longest first). */
const MAX_LINKED_PERIODS = 24;

export function buildReportPage(report: Report): ReportPage {
  return {
    kind: 'report',
    title: `dpskew: ${report.verdict.toUpperCase()}`,
    tool: `dpskew ${report.tool.version}`,
    report: pageSide(report, 'report', null),
  };
}

/**
 * Both runs on one axis: x is the time since each run's first window, so a before and an after
 * recorded on different days line up; y ranges are shared by the page's script.
 */
export function buildComparePage(c: Comparison, before: Report, after: Report): ComparePage {
  const verdicts = `${c.before.verdict.toUpperCase()} → ${c.after.verdict.toUpperCase()}`;
  return {
    kind: 'compare',
    title: `dpskew compare: ${verdicts}`,
    tool: `dpskew ${before.tool.version}`,
    regression: c.regression,
    reason: c.regression ? `Verdict ${verdicts}; regression: ${c.regressionReasons.map(sanitize).join('; ')}.` : `Verdict ${verdicts}; no regression (a peer-balance drop of more than ${c.threshold} or a worse verdict would be one).`,
    before: pageSide(before, sanitize(c.before.label), origin(before)),
    after: pageSide(after, sanitize(c.after.label), origin(after)),
    tables: c.phases.map((p) =>
      table(`${capitalize(p.phase)} batches by DP rank, before → after`, p.ranks, [
        { label: 'rank', numeric: false, cell: (r) => rank(r.rank) },
        { label: 'before', numeric: true, cell: (r) => int(r.before?.batches ?? null) },
        { label: 'share before', numeric: true, cell: (r) => share(r.before?.share ?? null, true) },
        { label: 'after', numeric: true, cell: (r) => int(r.after?.batches ?? null) },
        { label: 'share after', numeric: true, cell: (r) => share(r.after?.share ?? null, true) },
        { label: 'Δ share', numeric: true, cell: (r) => ({ text: `${r.shareDelta > 0 ? '+' : r.shareDelta < 0 ? '−' : '±'}${Math.abs(r.shareDelta * 100).toFixed(1)} pt`, sort: r.shareDelta }) },
        { label: 'peak queue before', numeric: true, cell: (r) => int(r.before?.queueMax ?? null) },
        { label: 'peak queue after', numeric: true, cell: (r) => int(r.after?.queueMax ?? null) },
      ], {
        note: `peer balance ${formatRatio(p.peerBalanceBefore)} → ${formatRatio(p.peerBalanceAfter)} · balance ${formatRatio(p.balanceBefore)} → ${formatRatio(p.balanceAfter)} · max share ${formatPercent(p.maxShareBefore)} → ${formatPercent(p.maxShareAfter)} · peak queue ${formatInt(p.peakQueueBefore)} → ${formatInt(p.peakQueueAfter)}`,
        sortable: true,
      }),
    ),
  };
}

/** The instant (ms) a run's windows start, the zero of its elapsed-time axis; `null` without windows. */
function origin(report: Report): number | null {
  return report.windows === null ? null : Date.parse(report.windows.start);
}

/** @param zero `null`: x in seconds since 1970; else seconds since this instant (ms) */
function pageSide(report: Report, label: string, zero: number | null): PageSide {
  const count = (level: Finding['level']): number => report.findings.filter((f) => f.level === level).length;
  const toX = (iso: string): number => (Date.parse(iso) - (zero ?? 0)) / 1000;
  return {
    label,
    verdict: report.verdict,
    reason: verdictReason(report),
    counts: { fail: count('fail'), warn: count('warn'), info: count('info') },
    interrupted: report.interrupted,
    x: zero === null ? 'time' : 'elapsed',
    thresholds: { warn: report.thresholds.warnBalance, fail: report.thresholds.failBalance },
    facts: facts(report),
    findings: report.findings.map((f) => pageFinding(f, report, toX)),
    phases: (['prefill', 'decode'] as const).map((phase) => pagePhase(report, phase, zero)).filter((p) => p !== null),
    sections: sections(report),
  };
}

function facts(report: Report): string[] {
  const t = report.totals;
  const out = [
    `${formatInt(t.inputs)} input${t.inputs === 1 ? '' : 's'} (${formatBytes(t.bytes)}), ${formatInt(report.workers.length)} worker${report.workers.length === 1 ? '' : 's'}, ${formatInt(t.linesRead)} lines (${formatInt(t.batchLines)} batch lines)`,
    `grouped by ${report.groupBy}; zone-less times read as ${sanitize(report.timezone)}; all times UTC`,
  ];
  const w = report.windows;
  if (w !== null) out.push(`${w.start.slice(0, 19).replace('T', ' ')}Z – ${w.end.slice(0, 19).replace('T', ' ')}Z: ${formatInt(w.count)} windows of ${w.sizeSeconds} s${w.auto ? ' (auto)' : ''}`);
  if (report.timeRange !== null) out.push(`time filter: since ${report.timeRange.since ?? 'the start'}, until ${report.timeRange.until ?? 'the end'}`);
  return out;
}

function pageFinding(f: Finding, report: Report, toX: (iso: string) => number): PageFinding {
  const { message, advice } = describeFinding(f);
  return { code: f.code, level: f.level, phase: f.phase, message, advice, ranges: findingRanges(f, report, toX) };
}

/** The stretches of time a finding is about: each idle period of an IDLE_PERIOD, the worst window of a WINDOW_SKEW. */
export function findingRanges(f: Finding, report: Report, toX: (iso: string) => number): PageRange[] {
  const clock = (iso: string): string => iso.slice(11, 19);
  if (f.code === 'IDLE_PERIOD') {
    const listed = new Set(f.ranks.map((r) => r.rank));
    const all = phaseWindows(report, f.phase)?.idlePeriods.filter((p) => listed.has(p.rank)) ?? f.ranks.map((r) => r.longest);
    return all.slice(0, MAX_LINKED_PERIODS).map((p) => ({ start: toX(p.start), end: toX(p.end), label: `${rankLabel(p.rank)} idle ${clock(p.start)}–${clock(p.end)}Z (${p.seconds} s)` }));
  }
  if (f.code === 'WINDOW_SKEW') {
    const start = toX(f.worstStart);
    return [{ start, end: start + f.windowSeconds, label: `worst window ${clock(f.worstStart)}Z (peer balance ${formatRatio(f.worstPeerBalance)})` }];
  }
  return [];
}

function phaseWindows(report: Report, phase: Phase | null): PhaseWindows | null {
  return phase === null || report.windows === null ? null : report.windows[phase];
}

function pagePhase(report: Report, phase: Phase, zero: number | null): PagePhase | null {
  const p = report[phase];
  if (p.groups.length === 0 && p.batches === 0) return null;
  const w = phaseWindows(report, phase);
  const series = w !== null && report.windows !== null && w.activeWindows > 0 ? pageSeries(report.windows, w, zero) : null;
  const owner = (g: RankGroup): string => (g.worker === null ? 'all workers' : `worker ${sanitize(g.worker)}`);
  return {
    phase,
    title: `${capitalize(phase)}`,
    summary: [...phaseSummary(p), ...windowSummary(w)],
    series,
    noSeries: series === null ? (report.windows === null ? 'No batch line had a timestamp: nothing to draw over time.' : 'No active window in this phase.') : null,
    tables: p.groups.map((g) => rankTable(`${capitalize(phase)} batches by DP rank (${owner(g)})`, g)),
  };
}

function phaseSummary(p: PhaseReport): string[] {
  const out: string[] = [];
  for (const g of p.groups) {
    const b = g.batchStats;
    const who = g.worker === null ? '' : `${sanitize(g.worker)}: `;
    out.push(
      `${who}${formatInt(b.total)} batches on ${b.ranks} ranks · peer balance ${formatRatio(b.peerBalance)} (others' mean/max)${g.tokenStats === null ? '' : ` · new tokens ${formatRatio(g.tokenStats.peerBalance)}`} · balance ${formatRatio(b.balance)} (mean/max) · max share ${formatPercent(b.maxShare)}${b.maxRank === null ? '' : ` (${rankLabel(b.maxRank)})`} · CV ${formatRatio(b.cv)} · Jain ${formatRatio(b.jain)} · χ² p ${formatPValue(b.chiSquare?.pValue ?? null)}`,
    );
  }
  const worst = p.worstWorker;
  if (worst !== null) {
    out.push(`worst worker ${sanitize(worst.worker)}: peer balance ${formatRatio(worst.peerBalance)}${worst.maxRank === null ? '' : `, ${rankLabel(worst.maxRank)} ran ${formatPercent(worst.maxShare)}`} of its ${formatInt(worst.batches)} batches`);
  }
  if (p.duplicatesDropped > 0) out.push(`${formatInt(p.duplicatesDropped)} duplicate lines (PP>0, ATTN_CP>0 or extra TP labels) not counted`);
  if (p.unattributed > 0) out.push(`${formatInt(p.unattributed)} lines without a DP label not attributed`);
  return out;
}

function windowSummary(w: PhaseWindows | null): string[] {
  if (w === null) return [];
  return [
    `over time: ${formatInt(w.activeWindows)} active windows · window peer balance min ${formatRatio(w.peerBalance.min)}, p10 ${formatRatio(w.peerBalance.p10)}, p50 ${formatRatio(w.peerBalance.p50)} · skewed windows ${formatPercent(w.skewedShare)} · queued while a peer idled ${formatPercent(w.queuedWhilePeerIdleShare)}${w.mergedWindows > 1 ? ` · ${w.mergedWindows} windows per point` : ''}`,
  ];
}

function sections(report: Report): Array<{ title: string; tables: readonly PageTable[] }> {
  const out: Array<{ title: string; tables: readonly PageTable[] }> = [];
  if (report.routing.decisions > 0) out.push({ title: 'Routing', tables: routingTables(report) });
  if (report.requests.lines > 0) out.push({ title: 'Requests', tables: requestTables(report) });
  if (report.engineStats.samples > 0 || report.engineStats.groups.length > 0) out.push({ title: report.engineStats.groups.every((g) => g.origin === undefined) ? 'vLLM engine stats' : 'Engine stats and metrics', tables: engineStatsTables(report) });
  if (report.assertions.length > 0) out.push({ title: 'Assertions', tables: [assertionTable(report)] });
  out.push({ title: 'Workers', tables: [workerTable(report)] });
  out.push({ title: 'Inputs', tables: inputTables(report) });
  out.push({ title: 'Thresholds', tables: [thresholdTable(report)] });
  return out;
}
