/** `--format table`: the default human report. Colour only through the context's chalk. */
import type { ChalkInstance } from 'chalk';
import type { Finding, Level, PhaseReport, RankGroup, Report, Verdict } from '../model/report.ts';
import { capitalize, formatInt, formatNumber, formatPercent, formatPValue, formatRatio, rankLabel, sanitize, shareBar } from './format.ts';
import { renderCharts } from './chart.ts';
import { describeFinding } from './messages.ts';
import type { Renderer } from './types.ts';

const BAR_WIDTH = 20;

export const renderTable: Renderer = (report, context) => {
  const { chalk, width } = context;
  const out: string[] = [];
  const t = report.totals;
  out.push(
    `${chalk.bold('dpskew')} ${report.tool.version} · ${formatInt(t.inputs)} input${t.inputs === 1 ? '' : 's'}, ${formatInt(report.workers.length)} worker${report.workers.length === 1 ? '' : 's'} · ${formatInt(t.linesRead)} lines · zone-less times read as ${report.timezone}`,
  );
  for (const phase of [report.prefill, report.decode]) out.push(...renderPhase(phase, report, chalk, width));
  out.push(...renderWindows(report, chalk, width));
  if (context.chart) out.push(...renderCharts(report, chalk, width));
  out.push(...renderEngineStats(report, chalk, width), ...renderRouting(report, chalk), ...renderRequests(report, chalk));
  if (report.assertions.length > 0) out.push('', ...renderAssertions(report, chalk));
  out.push('', ...renderFindings(report.findings, chalk));
  out.push('', ...renderAccounting(report, chalk));
  out.push('', `Verdict: ${paintVerdict(report.verdict, chalk)}${verdictTail(report)}`);
  if (report.interrupted) out.push(chalk.red.bold('PARTIAL: interrupted (Ctrl-C, or a summary of an interrupted run); the numbers may cover only part of the input'));
  return `${out.join('\n')}\n`;
};

function renderPhase(phase: PhaseReport, report: Report, chalk: ChalkInstance, width: number): string[] {
  if (phase.groups.length === 0) return [];
  const out: string[] = [];
  const prefill = phase.phase === 'prefill';
  const workers = report.workers.filter((w) => (prefill ? w.prefillBatches : w.decodeBatches) > 0 || w.role === phase.phase || w.role === 'agg').length;
  for (const group of phase.groups) {
    const owner = group.worker === null ? `${workers} worker${workers === 1 ? '' : 's'}` : `worker ${sanitize(group.worker)}`;
    out.push('', chalk.bold(`${capitalize(phase.phase)} batches by DP rank`) + chalk.dim(` (${owner})`));
    out.push(...renderRanks(group, prefill, chalk, width));
    out.push(...wrapParts(balanceParts(group, prefill), width));
  }
  const worst = phase.worstWorker;
  if (worst !== null) {
    out.push(
      `  worst worker ${sanitize(worst.worker)}: peer balance ${formatRatio(worst.peerBalance)}${worst.maxRank === null ? '' : `, ${rankLabel(worst.maxRank)} ran ${formatPercent(worst.maxShare)}`} of its ${formatInt(worst.batches)} batches (--by worker shows each)`,
    );
  }
  const notes: string[] = [];
  if (phase.duplicatesDropped > 0) notes.push(`${formatInt(phase.duplicatesDropped)} duplicate lines (PP>0, ATTN_CP>0 or extra TP labels) not counted`);
  if (phase.unattributed > 0) notes.push(`${formatInt(phase.unattributed)} lines without a DP label (or with a stray one outside the layout) not attributed`);
  for (const note of notes) out.push(chalk.dim(`  ${note}`));
  return out;
}

function renderRanks(group: RankGroup, prefill: boolean, chalk: ChalkInstance, width: number): string[] {
  // Shrink, then drop, the share bar on narrow terminals rather than wrap every row.
  const bar = width >= (prefill ? 112 : 100) ? BAR_WIDTH : width >= 92 ? 10 : 0;
  const barHeader = bar > 0 ? [''] : [];
  const header = prefill
    ? ['rank', 'batches', 'share', ...barHeader, 'new tokens', 'tok share', 'queue max', 'p50', 'p95', 'mean', 'run max']
    : ['rank', 'batches', 'share', ...barHeader, 'running mean', 'run max', 'queue max', 'p50', 'p95', 'mean'];
  const rows = group.ranks.map((r) => {
    const cells = [rankLabel(r.rank), formatInt(r.batches), formatPercent(r.share), ...(bar > 0 ? [shareBar(r.share, bar)] : [])];
    const queue = [formatInt(r.queue.max), formatInt(r.queue.p50), formatInt(r.queue.p95), formatNumber(r.queue.mean)];
    return prefill
      ? [...cells, formatInt(r.newTokens), formatPercent(r.tokenShare), ...queue, formatInt(r.running.max)]
      : [...cells, formatNumber(r.running.mean), formatInt(r.running.max), ...queue];
  });
  const gap = bar > 0 ? '  ' : ' ';
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => (i === 0 || (bar > 0 && i === 3) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(gap)}`.trimEnd();
  const maxRank = group.batchStats.maxRank;
  const idle = (batches: number): boolean => batches === 0 && group.batchStats.total > 0;
  return [
    chalk.dim(line(header)),
    ...rows.map((row, i) => {
      const r = group.ranks[i];
      const text = line(row);
      if (r === undefined) return text;
      if (idle(r.batches)) return chalk.red(text);
      return r.rank === maxRank && (group.batchStats.balance ?? 1) < 0.8 ? chalk.yellow(text) : text;
    }),
  ];
}

/** One summary line per phase: window size, balance over time, worst window, idle periods. */
function renderWindows(report: Report, chalk: ChalkInstance, width: number): string[] {
  const w = report.windows;
  if (w === null) return [];
  const out: string[] = [];
  for (const phase of [w.prefill, w.decode]) {
    if (phase === null) continue;
    out.push('', chalk.bold(`${capitalize(phase.phase)} over time`) + chalk.dim(` (${w.count} windows of ${w.sizeSeconds} s${w.auto ? ', auto' : ''}; ${phase.activeWindows} active)`));
    const parts = [
      `window balance min ${formatRatio(phase.balance.min)}`,
      `p10 ${formatRatio(phase.balance.p10)}`,
      `p50 ${formatRatio(phase.balance.p50)}`,
      `skewed windows ${formatPercent(phase.skewedShare)}`,
      `queued while a peer idled ${formatPercent(phase.queuedWhilePeerIdleShare)}`,
    ];
    out.push(...wrapParts(parts, width));
    if (phase.worst !== null) {
      out.push(`  worst window ${phase.worst.start.slice(0, 19)}Z: balance ${formatRatio(phase.worst.balance)}, batches ${phase.worst.batches.map((b, i) => `${rankLabel(phase.ranks[i] ?? i)} ${b}`).join(' ')}`);
    }
    if (phase.firstIdle !== null) out.push(`  first idle: ${rankLabel(phase.firstIdle.rank)} at ${phase.firstIdle.start.slice(0, 19)}Z`);
    for (const p of phase.idlePeriods.slice(0, 5)) {
      out.push(`  idle: ${rankLabel(p.rank)} ${p.start.slice(0, 19)}Z – ${p.end.slice(11, 19)}Z (${p.seconds} s) while peers ran ${formatInt(p.peerBatches)} batches`);
    }
    if (phase.idlePeriods.length > 5) out.push(chalk.dim(`  … ${phase.idlePeriods.length - 5} more idle periods (--format json lists them)`));
  }
  return out;
}

function renderEngineStats(report: Report, chalk: ChalkInstance, width: number): string[] {
  const out: string[] = [];
  for (const group of report.engineStats.groups) {
    const owner = group.worker === null ? 'all workers' : `worker ${sanitize(group.worker)}`;
    out.push('', chalk.bold('vLLM engine stats by DP rank') + chalk.dim(` (${owner}; prompt tokens estimated from throughput × interval)`));
    const header = ['rank', 'samples', 'prompt tokens', 'share', 'waiting max', 'p50', 'p95', 'mean', 'running max', 'mean'];
    const rows = group.ranks.map((r) => [
      rankLabel(r.rank),
      formatInt(r.samples),
      formatInt(r.promptTokens),
      formatPercent(r.promptShare),
      formatInt(r.waiting.max),
      formatInt(r.waiting.p50),
      formatInt(r.waiting.p95),
      formatNumber(r.waiting.mean),
      formatInt(r.running.max),
      formatNumber(r.running.mean),
    ]);
    out.push(...alignRows(header, rows, chalk));
    const b = group.promptTokens;
    out.push(...wrapParts([`balance ${formatRatio(b.balance)} (prompt tokens, mean/max)`, `max share ${formatPercent(b.maxShare)}`, `CV ${formatRatio(b.cv)}`], width));
  }
  return out;
}

/** At most this many rank columns in the routing table; more ranks are summed into "other". */
const MAX_ROUTING_RANK_COLUMNS = 16;

function renderRouting(report: Report, chalk: ChalkInstance): string[] {
  const r = report.routing;
  if (r.decisions === 0) return [];
  const shown = r.ranks.slice(0, MAX_ROUTING_RANK_COLUMNS).map((x) => x.rank);
  const more = r.ranks.length > shown.length;
  const header = ['worker', 'decisions', ...shown.map(rankLabel), ...(more ? ['other'] : []), 'None', 'sentinel', 'no rank', 'router mode'];
  const rows = r.workers.map((w) => {
    const count = (rank: number): number => w.ranks.find((x) => x.rank === rank)?.decisions ?? 0;
    const other = w.ranks.filter((x) => !shown.includes(x.rank)).reduce((s, x) => s + x.decisions, 0);
    return [
      sanitize(w.workerId || '(unnamed)'),
      formatInt(w.decisions),
      ...shown.map((rank) => formatInt(count(rank))),
      ...(more ? [formatInt(other)] : []),
      formatInt(w.none),
      formatInt(w.sentinel),
      formatInt(w.absent),
      sanitize(w.routerModes.join(',') || '-'),
    ];
  });
  return [
    '',
    chalk.bold('Routing decisions by worker and dp_rank') + chalk.dim(` (${formatInt(r.decisions)} decisions; None = left to the engine)`),
    ...alignRows(header, rows, chalk),
  ];
}

/** Requested ranks per source, next to what the engines executed per rank. */
function renderRequests(report: Report, chalk: ChalkInstance): string[] {
  const r = report.requests;
  if (r.lines === 0) return [];
  const executed = report.prefill.groups[0]?.ranks ?? [];
  const rankSet = new Set<number>([...executed.map((x) => x.rank), ...r.sources.flatMap((s) => [...s.ranks, ...s.executed].map((x) => x.rank))]);
  const ranks = [...rankSet].sort((a, b) => a - b).slice(0, MAX_ROUTING_RANK_COLUMNS);
  const header = ['requests', 'lines', 'None', ...ranks.map(rankLabel), 'sentinel'];
  const rows = r.sources.map((s) => [
    `${s.source} (asked)`,
    formatInt(s.lines),
    `${formatInt(s.none)}${s.noneShare === null ? '' : ` (${formatPercent(s.noneShare, 0)})`}`,
    ...ranks.map((rank) => formatInt(s.ranks.find((x) => x.rank === rank)?.requests ?? 0)),
    formatInt(s.sentinel),
  ]);
  for (const s of r.sources.filter((x) => x.executed.length > 0)) {
    rows.push([`${s.source} (ran on)`, formatInt(s.lines), '', ...ranks.map((rank) => formatInt(s.executed.find((x) => x.rank === rank)?.requests ?? 0)), '']);
  }
  if (r.impliedByRoom !== null) {
    const implied = r.impliedByRoom;
    rows.push([`room mod ${implied.dpSize} (inferred)`, formatInt(implied.rooms), '', ...ranks.map((rank) => formatInt(implied.ranks.find((x) => x.rank === rank)?.requests ?? 0)), '']);
  }
  if (executed.length > 0) rows.push(['prefill batches (ran)', formatInt(report.prefill.batches), '', ...ranks.map((rank) => formatInt(executed.find((x) => x.rank === rank)?.batches ?? 0)), '']);
  return ['', chalk.bold('Requests by DP rank') + chalk.dim(' (per-request lines: the rank each asked for, next to what the engines ran)'), ...alignRows(header, rows, chalk)];
}

function alignRows(header: readonly string[], rows: readonly (readonly string[])[], chalk: ChalkInstance): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`.trimEnd();
  return [chalk.dim(line(header)), ...rows.map(line)];
}

function balanceParts(group: RankGroup, prefill: boolean): string[] {
  const b = group.batchStats;
  const parts = [`peer balance ${formatRatio(b.peerBalance)} (batches, others' mean/max)`];
  if (prefill && group.tokenStats !== null) parts.push(`${formatRatio(group.tokenStats.peerBalance)} (new tokens)`);
  parts.push(`balance ${formatRatio(b.balance)} (mean/max)`);
  parts.push(`max share ${formatPercent(b.maxShare)}`, `CV ${formatRatio(b.cv)}`, `Jain ${formatRatio(b.jain)}`, `χ² p ${formatPValue(b.chiSquare?.pValue ?? null)}`);
  return parts;
}

/** Join parts with " · ", starting a new indented line where the next part would pass the width. */
function wrapParts(parts: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const part of parts) {
    const candidate = current === '' ? `  ${part}` : `${current} · ${part}`;
    if (current !== '' && candidate.length > width) {
      lines.push(current);
      current = `  ${part}`;
    } else {
      current = candidate;
    }
  }
  if (current !== '') lines.push(current);
  return lines;
}

function renderAssertions(report: Report, chalk: ChalkInstance): string[] {
  return [
    chalk.bold('Assertions'),
    ...report.assertions.map((a) => {
      const label = a.passed ? chalk.green('PASS') : a.level === 'fail' ? chalk.red.bold('FAIL') : chalk.yellow.bold('WARN');
      const actual = a.actual === null ? 'no data' : `${a.metric} = ${formatAssertionValue(a.actual)}`;
      return `  ${label} ${sanitize(a.expression)}  (${actual})`;
    }),
  ];
}

export function formatAssertionValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/\.?0+$/, '');
}

function renderFindings(findings: readonly Finding[], chalk: ChalkInstance): string[] {
  if (findings.length === 0) return [chalk.bold('Findings'), '  none'];
  const out = [chalk.bold('Findings')];
  for (const f of findings) {
    const { message, advice } = describeFinding(f);
    out.push(`  ${paintLevel(f.level, chalk)} ${f.code}  ${message}`);
    if (advice !== '') out.push(chalk.dim(`        → ${advice}`));
  }
  return out;
}

function renderAccounting(report: Report, chalk: ChalkInstance): string[] {
  const t = report.totals;
  const out = [
    chalk.dim(
      `Lines: ${formatInt(t.linesRead)} read = ${formatInt(t.recognised)} recognised (${formatInt(t.batchLines)} batch, ${formatInt(t.layoutLines)} layout, ${formatInt(t.recognised - t.batchLines - t.layoutLines)} routing/stats) + ${formatInt(t.ignored)} ignored + ${formatInt(t.unparseable)} unparseable + ${formatInt(t.oversized)} oversized`,
    ),
  ];
  for (const input of report.inputs) {
    if (input.error !== null) out.push(chalk.red(`  ${sanitize(input.name)}: ${sanitize(input.error)}${input.lines.linesRead > 0 ? ' (numbers cover only the part read)' : ''}`));
  }
  if (report.skippedFiles.length > 0) {
    const shown = report.skippedFiles.slice(0, 3).map(sanitize).join(', ');
    out.push(chalk.dim(`Skipped ${report.skippedFiles.length} file${report.skippedFiles.length === 1 ? '' : 's'} whose names are not log names: ${shown}${report.skippedFiles.length > 3 ? ', …' : ''} (name them to read them)`));
  }
  if (report.duplicateInputs.length > 0) {
    const n = report.duplicateInputs.length;
    const shown = report.duplicateInputs.slice(0, 3).map((d) => `${sanitize(d.name)} = ${sanitize(d.sameAs)}`).join(', ');
    out.push(chalk.dim(`Read once: ${n} input${n === 1 ? ' is' : 's are'} the same file as another: ${shown}${n > 3 ? ', …' : ''}`));
  }
  const example = report.inputs.find((i) => i.unparseableExample !== null);
  if (t.unparseable > 0 && example?.unparseableExample) {
    const many = t.unparseable !== 1;
    out.push(
      `${formatInt(t.unparseable)} line${many ? 's' : ''} looked like ${many ? 'batch lines' : 'a batch line'} but could not be parsed; first (${sanitize(example.name)}): ${sanitize(example.unparseableExample.line)}`,
    );
  }
  return out;
}

function paintLevel(level: Level, chalk: ChalkInstance): string {
  const label = level.toUpperCase().padEnd(4);
  return level === 'fail' ? chalk.red.bold(label) : level === 'warn' ? chalk.yellow.bold(label) : chalk.cyan(label);
}

function paintVerdict(verdict: Verdict, chalk: ChalkInstance): string {
  const label = verdict.toUpperCase();
  switch (verdict) {
    case 'ok':
      return chalk.green.bold(label);
    case 'warn':
      return chalk.yellow.bold(label);
    case 'fail':
      return chalk.red.bold(label);
    case 'insufficient':
      return chalk.magenta.bold(label);
  }
}

function verdictTail(report: Report): string {
  const count = (level: Level): number => report.findings.filter((f) => f.level === level).length;
  const fail = count('fail');
  const warn = count('warn');
  const parts = [];
  if (fail > 0) parts.push(`${fail} fail`);
  if (warn > 0) parts.push(`${warn} warn`);
  if (report.verdict === 'insufficient') parts.push('not enough data to judge');
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}
