/** `--format table`: the default human report. Colour only through the context's chalk. */
import type { ChalkInstance } from 'chalk';
import type { Finding, Level, PhaseReport, RankGroup, Report, Verdict } from '../model/report.ts';
import { capitalize, formatInt, formatNumber, formatPercent, formatPValue, formatRatio, rankLabel, sanitize, shareBar } from './format.ts';
import { renderCharts } from './chart.ts';
import { describeFinding, verdictReason } from './messages.ts';
import type { Renderer } from './types.ts';

/** The widest share bar; narrower terminals get a narrower one (at least MIN_BAR cells, else none). */
const BAR_WIDTH = 20;
const MIN_BAR = 4;

export const renderTable: Renderer = (report, context) => {
  const { chalk, width } = context;
  const out: string[] = [];
  const t = report.totals;
  // The answer first: the verdict and why, then the numbers behind it.
  out.push(...wrapText(verdictReason(report), width, `${paintVerdict(report.verdict, chalk)}  `, ' '.repeat(report.verdict.length + 2)));
  if (report.interrupted) out.push(...wrapText('PARTIAL: interrupted (Ctrl-C, or a summary of an interrupted run); the numbers may cover only part of the input', width, '', '  ').map((l) => chalk.red.bold(l)));
  out.push('');
  const inputs = [
    `${chalk.bold('dpskew')} ${report.tool.version}`,
    `${formatInt(t.inputs)} input${t.inputs === 1 ? '' : 's'}, ${formatInt(report.workers.length)} worker${report.workers.length === 1 ? '' : 's'}`,
    `${formatInt(t.linesRead)} lines`,
    `zone-less times read as ${report.timezone}`,
  ];
  out.push(...wrapParts(inputs, width, '', chalk));
  for (const phase of [report.prefill, report.decode]) out.push(...renderPhase(phase, report, chalk, width));
  out.push(...renderWindows(report, chalk, width));
  if (context.chart) out.push(...renderCharts(report, chalk, width));
  out.push(...renderEngineStats(report, chalk, width), ...renderRouting(report, chalk, width), ...renderRequests(report, chalk, width), ...renderTraces(report, chalk, width));
  if (report.assertions.length > 0) out.push('', ...renderAssertions(report, chalk, width));
  out.push('', ...renderFindings(report.findings, chalk, width));
  out.push('', ...renderAccounting(report, chalk, width));
  out.push('', `Verdict: ${paintVerdict(report.verdict, chalk)}${verdictTail(report)}`);
  return `${out.join('\n')}\n`;
};

function renderPhase(phase: PhaseReport, report: Report, chalk: ChalkInstance, width: number): string[] {
  if (phase.groups.length === 0) return [];
  const out: string[] = [];
  const prefill = phase.phase === 'prefill';
  const workers = report.workers.filter((w) => (prefill ? w.prefillBatches : w.decodeBatches) > 0 || w.role === phase.phase || w.role === 'agg').length;
  for (const group of phase.groups) {
    const owner = group.worker === null ? `${workers} worker${workers === 1 ? '' : 's'}` : `worker ${sanitize(group.worker)}`;
    out.push('', ...wrapText(chalk.bold(`${capitalize(phase.phase)} batches by DP rank`) + chalk.dim(` (${owner})`), width, '', '  '));
    out.push(...renderRanks(group, prefill, chalk, width));
    out.push(...wrapParts(balanceParts(group, prefill), width, '  ', chalk));
  }
  const worst = phase.worstWorker;
  if (worst !== null) {
    const share = worst.maxRank === null ? '' : `, ${rankLabel(worst.maxRank)} ran ${formatPercent(worst.maxShare)} of its ${formatInt(worst.batches)} batches`;
    out.push(...wrapText(`worst worker ${sanitize(worst.worker)}: peer balance ${formatRatio(worst.peerBalance)}${share} (--by worker shows each)`, width, '  ', '    '));
  }
  const notes: string[] = [];
  if (phase.duplicatesDropped > 0) notes.push(`${formatInt(phase.duplicatesDropped)} duplicate lines (PP>0, ATTN_CP>0 or extra TP labels) not counted`);
  if (phase.unattributed > 0) notes.push(`${formatInt(phase.unattributed)} lines without a DP label (or with a stray one outside the layout) not attributed`);
  for (const note of notes) out.push(...wrapText(note, width, '  ', '    ').map((l) => chalk.dim(l)));
  return out;
}

function renderRanks(group: RankGroup, prefill: boolean, chalk: ChalkInstance, width: number): string[] {
  const queue: Column[] = [
    { header: 'max', group: 'queue' },
    { header: 'p50', group: 'queue' },
    { header: 'p95', group: 'queue' },
    { header: 'mean', group: 'queue' },
  ];
  const columns: Column[] = prefill
    ? [{ header: 'rank', left: true }, { header: 'batches' }, { header: 'share' }, BAR, { header: 'sum', group: 'new tokens' }, { header: 'share', group: 'new tokens' }, ...queue, { header: 'max', group: 'running' }]
    : [{ header: 'rank', left: true }, { header: 'batches' }, { header: 'share' }, BAR, { header: 'mean', group: 'running' }, { header: 'max', group: 'running' }, ...queue];
  const rows = group.ranks.map((r) => {
    const lead = [rankLabel(r.rank), formatInt(r.batches), formatPercent(r.share), r.share];
    const q = [formatInt(r.queue.max), formatInt(r.queue.p50), formatInt(r.queue.p95), formatNumber(r.queue.mean)];
    return prefill ? [...lead, formatInt(r.newTokens), formatPercent(r.tokenShare), ...q, formatInt(r.running.max)] : [...lead, formatNumber(r.running.mean), formatInt(r.running.max), ...q];
  });
  const maxRank = group.batchStats.maxRank;
  const idle = (batches: number): boolean => batches === 0 && group.batchStats.total > 0;
  return layoutColumns(columns, rows, width, chalk, (line, i) => {
    const r = group.ranks[i];
    if (r === undefined) return line;
    if (idle(r.batches)) return chalk.red(line);
    return r.rank === maxRank && (group.batchStats.peerBalance ?? 1) < 0.8 ? chalk.yellow(line) : line;
  });
}

/**
 * A column of a text table. Columns of one `group` stand one space apart under a shared label (so
 * `max p50 p95` cannot be read as three unrelated numbers); others two. `bar`: the share bar,
 * sized to what the width leaves, its cell a share in [0, 1].
 */
interface Column {
  readonly header: string;
  readonly group?: string;
  readonly left?: boolean;
  readonly bar?: boolean;
}

const BAR: Column = { header: '', bar: true, left: true };

/** Rows of cells (a number for the bar column) laid out under their headers, within `width` when the bar can give way. */
function layoutColumns(columns: readonly Column[], rows: ReadonlyArray<ReadonlyArray<string | number>>, width: number, chalk: ChalkInstance, paint: (line: string, row: number) => string = (l) => l): string[] {
  const text = (cell: string | number | undefined): string => (typeof cell === 'string' ? cell : '');
  const widths = columns.map((c, i) => (c.bar === true ? 0 : Math.max(c.header.length, ...rows.map((row) => text(row[i]).length))));
  // A group's label must fit over its columns: widen its last column if not.
  const gapBefore = (i: number): number => (i === 0 ? 0 : columns[i]?.group !== undefined && columns[i]?.group === columns[i - 1]?.group ? 1 : 2);
  const spans = groupSpans(columns);
  for (const span of spans) {
    const inside = widths.slice(span.from, span.to + 1).reduce((s, w) => s + w, 0) + span.to - span.from;
    if (inside < span.label.length + 2) widths[span.to] = (widths[span.to] ?? 0) + span.label.length + 2 - inside;
  }
  const barAt = columns.findIndex((c) => c.bar === true);
  const fixed = 2 + widths.reduce((s, w) => s + w, 0) + columns.reduce((s, _, i) => s + gapBefore(i), 0);
  const barWidth = Math.min(BAR_WIDTH, width - fixed);
  const shown = columns.map((_, i) => i !== barAt || barWidth >= MIN_BAR);
  if (barAt >= 0) widths[barAt] = Math.max(0, barWidth);
  const line = (cells: readonly string[]): string => {
    let out = '  ';
    cells.forEach((cell, i) => {
      if (!shown[i]) return;
      const w = widths[i] ?? 0;
      out += ' '.repeat(out.length === 2 ? 0 : gapBefore(i)) + (columns[i]?.left === true ? cell.padEnd(w) : cell.padStart(w));
    });
    return out.trimEnd();
  };
  const cellsOf = (row: ReadonlyArray<string | number>): string[] => columns.map((c, i) => (c.bar === true ? shareBar(typeof row[i] === 'number' ? (row[i] as number) : 0, widths[i] ?? 0) : text(row[i])));
  const out: string[] = [];
  if (spans.length > 0) {
    // The group labels, each centred over its columns in a rule: `── queue ──`.
    const starts: number[] = [];
    let at = 2;
    columns.forEach((_, i) => {
      if (!shown[i]) return starts.push(at);
      at += at === 2 ? 0 : gapBefore(i);
      starts.push(at);
      at += widths[i] ?? 0;
    });
    let labels = '';
    for (const span of spans) {
      const from = starts[span.from] ?? 0;
      const to = (starts[span.to] ?? 0) + (widths[span.to] ?? 0);
      const room = to - from;
      const label = room >= span.label.length + 4 ? ` ${span.label} ` : room >= span.label.length + 2 ? span.label : span.label.slice(0, room);
      const left = Math.floor((room - label.length) / 2);
      labels = labels.padEnd(from) + '─'.repeat(left) + label + '─'.repeat(room - label.length - left);
    }
    out.push(chalk.dim(labels.trimEnd()));
  }
  out.push(chalk.dim(line(columns.map((c) => c.header))));
  rows.forEach((row, i) => out.push(paint(line(cellsOf(row)), i)));
  return out;
}

function groupSpans(columns: readonly Column[]): Array<{ readonly label: string; readonly from: number; readonly to: number }> {
  const spans: Array<{ label: string; from: number; to: number }> = [];
  columns.forEach((c, i) => {
    if (c.group === undefined) return;
    const last = spans.at(-1);
    if (last !== undefined && last.label === c.group && last.to === i - 1) last.to = i;
    else spans.push({ label: c.group, from: i, to: i });
  });
  return spans;
}

/** One summary line per phase: window size, balance over time, worst window, idle periods. */
function renderWindows(report: Report, chalk: ChalkInstance, width: number): string[] {
  const w = report.windows;
  if (w === null) return [];
  const out: string[] = [];
  for (const phase of [w.prefill, w.decode]) {
    if (phase === null) continue;
    const heading = chalk.bold(`${capitalize(phase.phase)} over time`) + chalk.dim(` (${w.count} windows of ${w.sizeSeconds} s from ${clock(w.start, null)}, ${phase.activeWindows} active)`);
    out.push('', ...wrapText(heading, width, '', '  '));
    const parts = [
      `window peer balance min ${formatRatio(phase.peerBalance.min)}`,
      `p10 ${formatRatio(phase.peerBalance.p10)}`,
      `p50 ${formatRatio(phase.peerBalance.p50)}`,
      `skewed windows ${formatPercent(phase.skewedShare)}`,
      `queued while a peer idled ${formatPercent(phase.queuedWhilePeerIdleShare)}`,
    ];
    out.push(...wrapParts(parts, width, '  ', chalk));
    if (phase.worst !== null) {
      const worst = phase.worst;
      const batches = worst.batches.map((b, i) => `${rankLabel(phase.ranks[i] ?? i)} ${formatInt(b)}`);
      const shown = batches.length > MAX_LISTED_RANKS ? [...batches.slice(0, MAX_LISTED_RANKS), `… ${batches.length - MAX_LISTED_RANKS} more`] : batches;
      out.push(...wrapText([...`worst window ${clock(worst.start, w.start)}: peer balance ${formatRatio(worst.peerBalance)}, batches`.split(' '), ...shown], width, '  ', '    '));
    }
    if (phase.firstIdle !== null) out.push(`  first idle: ${rankLabel(phase.firstIdle.rank)} at ${clock(phase.firstIdle.start, w.start)}`);
    for (const p of phase.idlePeriods.slice(0, 5)) {
      out.push(...wrapText(`idle: ${rankLabel(p.rank)} ${clock(p.start, w.start)} – ${clock(p.end, p.start)} (${p.seconds} s) while peers ran ${formatInt(p.peerBatches)} batches`, width, '  ', '    '));
    }
    if (phase.idlePeriods.length > 5) out.push(chalk.dim(`  … ${phase.idlePeriods.length - 5} more idle periods (--format json lists them)`));
  }
  return out;
}

/** Ranks named in one line of text (a window's batches); more are counted, --format json has them all. */
const MAX_LISTED_RANKS = 16;

/** `HH:MM:SSZ`, with the date when it differs from `since`'s (or `since` is null). */
function clock(iso: string, since: string | null): string {
  return since !== null && iso.slice(0, 10) === since.slice(0, 10) ? `${iso.slice(11, 19)}Z` : `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

function renderEngineStats(report: Report, chalk: ChalkInstance, width: number): string[] {
  const out: string[] = [];
  for (const group of report.engineStats.groups) {
    const owner = group.worker === null ? 'all workers' : `worker ${sanitize(group.worker)}`;
    const title = group.origin === undefined ? 'vLLM engine stats by DP rank' : 'Engine metrics by DP rank';
    const how = group.origin === undefined ? 'prompt tokens estimated from throughput × interval' : group.origin === 'metrics' ? 'metrics dumps; prompt tokens from counter deltas' : 'stats lines and metrics dumps';
    out.push('', ...wrapText(chalk.bold(title) + chalk.dim(` (${owner}; ${how})`), width, '', '  '));
    const kv = group.ranks.some((r) => r.kvUsage !== undefined);
    const columns: Column[] = [
      { header: 'rank', left: true },
      { header: 'samples' },
      { header: 'sum', group: 'prompt tokens' },
      { header: 'share', group: 'prompt tokens' },
      BAR,
      { header: 'max', group: 'waiting' },
      { header: 'p50', group: 'waiting' },
      { header: 'p95', group: 'waiting' },
      { header: 'mean', group: 'waiting' },
      { header: 'max', group: 'running' },
      { header: 'mean', group: 'running' },
      // KV-cache usage only where a metrics dump carried it: stats-line tables keep their shape.
      ...(kv ? [{ header: 'max', group: 'KV cache' }, { header: 'mean', group: 'KV cache' }] : []),
    ];
    const rows = group.ranks.map((r) => [
      rankLabel(r.rank),
      formatInt(r.samples),
      formatInt(r.promptTokens),
      formatPercent(r.promptShare),
      r.promptShare,
      formatInt(r.waiting.max),
      formatInt(r.waiting.p50),
      formatInt(r.waiting.p95),
      formatNumber(r.waiting.mean),
      formatInt(r.running.max),
      formatNumber(r.running.mean),
      ...(kv ? [formatPercent(r.kvUsage?.max ?? null), formatPercent(r.kvUsage?.mean ?? null)] : []),
    ]);
    out.push(...layoutColumns(columns, rows, width, chalk));
    const b = group.promptTokens;
    out.push(...wrapParts([`peer balance ${formatRatio(b.peerBalance)} (prompt tokens, others' mean/max)`, `balance ${formatRatio(b.balance)}`, `max share ${formatPercent(b.maxShare)}`, `CV ${formatRatio(b.cv)}`], width, '  ', chalk));
  }
  return out;
}

/** Rank columns that fit the width in the routing and request tables; further ranks are summed into "other". */
function rankColumns(width: number, fixed: number): number {
  return Math.max(2, Math.min(16, Math.floor((width - fixed) / 7)));
}

function renderRouting(report: Report, chalk: ChalkInstance, width: number): string[] {
  const r = report.routing;
  if (r.decisions === 0) return [];
  const shown = r.ranks.slice(0, rankColumns(width, 58)).map((x) => x.rank);
  const more = r.ranks.length > shown.length;
  const columns: Column[] = [
    { header: 'worker', left: true },
    { header: 'decisions' },
    ...shown.map((rank) => ({ header: rankLabel(rank), group: 'dp_rank' })),
    ...(more ? [{ header: 'other', group: 'dp_rank' }] : []),
    { header: 'None' },
    { header: 'sentinel' },
    { header: 'no rank' },
    { header: 'router mode', left: true },
  ];
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
    ...wrapText(chalk.bold('Routing decisions by worker and dp_rank') + chalk.dim(` (${formatInt(r.decisions)} decisions; None = left to the engine)`), width, '', '  '),
    ...layoutColumns(columns, rows, width, chalk),
  ];
}

/** Requested ranks per source, next to what the engines executed per rank. */
function renderRequests(report: Report, chalk: ChalkInstance, width: number): string[] {
  const r = report.requests;
  if (r.lines === 0) return [];
  const executed = report.prefill.ranks ?? report.prefill.groups[0]?.ranks ?? [];
  const rankSet = new Set<number>([...executed.map((x) => x.rank), ...r.sources.flatMap((s) => [...s.ranks, ...s.executed].map((x) => x.rank))]);
  const ranks = [...rankSet].sort((a, b) => a - b).slice(0, rankColumns(width, 50));
  const columns: Column[] = [{ header: 'requests', left: true }, { header: 'lines' }, { header: 'None' }, ...ranks.map((rank) => ({ header: rankLabel(rank), group: 'DP rank' })), { header: 'sentinel' }];
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
  return [
    '',
    ...wrapText(chalk.bold('Requests by DP rank') + chalk.dim(' (per-request lines: the rank each asked for, next to what the engines ran)'), width, '', '  '),
    ...layoutColumns(columns, rows, width, chalk),
  ];
}

/** Dynamo request traces per phase, worker and rank: requests, TTFT, queue depth at arrival, tokens (a rank whose requests waited longest is a finding, TTFT_SKEW). */
function renderTraces(report: Report, chalk: ChalkInstance, width: number): string[] {
  const t = report.requests.traces;
  if (t === undefined) return [];
  const columns: Column[] = [
    { header: 'phase', left: true },
    { header: 'worker', left: true },
    { header: 'rank', left: true },
    { header: 'requests' },
    { header: 'share' },
    { header: 'p50', group: 'TTFT ms' },
    { header: 'p95', group: 'TTFT ms' },
    { header: 'mean', group: 'queue' },
    { header: 'p95', group: 'queue' },
    { header: 'input tokens' },
  ];
  const rows = t.ranks.map((r) => [
    r.phase,
    sanitize(r.workerId || '(unnamed)'),
    rankLabel(r.rank),
    formatInt(r.requests),
    formatPercent(r.share),
    formatInt(r.ttftMs.p50),
    formatInt(r.ttftMs.p95),
    formatNumber(r.queueDepth.mean),
    formatInt(r.queueDepth.p95),
    formatInt(r.inputTokens),
  ]);
  return ['', ...wrapText(chalk.bold('Request traces by DP rank') + chalk.dim(` (Dynamo request_end records: ${formatInt(t.requests)} requests${t.unranked > 0 ? `, ${formatInt(t.unranked)} without a rank` : ''})`), width, '', '  '), ...layoutColumns(columns, rows, width, chalk)];
}

function balanceParts(group: RankGroup, prefill: boolean): string[] {
  const b = group.batchStats;
  const parts = [`peer balance ${formatRatio(b.peerBalance)} (batches, others' mean/max)`];
  if (prefill && group.tokenStats !== null) parts.push(`${formatRatio(group.tokenStats.peerBalance)} (new tokens)`);
  parts.push(`balance ${formatRatio(b.balance)} (mean/max)`);
  parts.push(`max share ${formatPercent(b.maxShare)}`, `CV ${formatRatio(b.cv)}`, `Jain ${formatRatio(b.jain)}`, `χ² p ${formatPValue(b.chiSquare?.pValue ?? null)}`);
  return parts;
}

/** Join parts with " · ", starting a new line (with `indent`) where the next part would pass the width. */
function wrapParts(parts: readonly string[], width: number, indent: string, chalk: ChalkInstance): string[] {
  const lines: string[] = [];
  let current = '';
  for (const part of parts) {
    const candidate = current === '' ? `${indent}${part}` : `${current} · ${part}`;
    if (current !== '' && visibleLength(candidate, chalk) > width) {
      lines.push(current);
      current = `${indent}${part}`;
    } else {
      current = candidate;
    }
  }
  if (current !== '') lines.push(current);
  return lines;
}

// ESC [ … m: the colour codes chalk writes, which take no room on the screen.
// eslint-disable-next-line no-control-regex -- matching ESC is the point
const COLOUR = /\u001b\[[0-9;]*m/g;

function visibleLength(text: string, chalk: ChalkInstance): number {
  return chalk.level === 0 ? text.length : text.replace(COLOUR, '').length;
}

/**
 * Words wrapped to `width`: the first line after `first`, the others after `rest`. A word longer
 * than a line is cut, so no line passes the width. `text` split into words already keeps each
 * word's own spaces (`DP4 1` stays on one line).
 */
function wrapText(text: string | readonly string[], width: number, first: string, rest: string): string[] {
  const lines: string[] = [];
  let current = first;
  let empty = true;
  const room = (): number => width - colourFree(current).length;
  for (const word of typeof text === 'string' ? text.split(' ') : text) {
    if (word === '') continue;
    if (!empty && colourFree(word).length + 1 > room()) {
      lines.push(current);
      current = rest;
      empty = true;
    }
    let piece = word;
    while (colourFree(piece).length > room() && room() > 0 && colourFree(piece) === piece) {
      if (!empty) {
        lines.push(current);
        current = rest;
      }
      const take = room();
      current += piece.slice(0, take);
      piece = piece.slice(take);
      lines.push(current);
      current = rest;
      empty = true;
    }
    if (piece === '') continue;
    current += (empty ? '' : ' ') + piece;
    empty = false;
  }
  if (!empty || lines.length === 0) lines.push(current);
  return lines;
}

function colourFree(text: string): string {
  return text.replace(COLOUR, '');
}

function renderAssertions(report: Report, chalk: ChalkInstance, width: number): string[] {
  return [
    chalk.bold('Assertions'),
    ...report.assertions.flatMap((a) => {
      const label = a.passed ? chalk.green('PASS') : a.level === 'fail' ? chalk.red.bold('FAIL') : chalk.yellow.bold('WARN');
      const actual = a.actual === null ? 'no data' : `${a.metric} = ${formatAssertionValue(a.actual)}`;
      return wrapText(`${label} ${sanitize(a.expression)}  (${actual})`, width, '  ', '       ');
    }),
  ];
}

export function formatAssertionValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/\.?0+$/, '');
}

function renderFindings(findings: readonly Finding[], chalk: ChalkInstance, width: number): string[] {
  if (findings.length === 0) return [chalk.bold('Findings'), '  none'];
  const out = [chalk.bold('Findings')];
  for (const f of findings) {
    const { message, advice } = describeFinding(f);
    out.push(`  ${paintLevel(f.level, chalk)} ${f.code}`);
    out.push(...wrapText(message, width, '    ', '    '));
    if (advice !== '') out.push(...wrapText(`→ ${advice}`, width, '    ', '      ').map((l) => chalk.dim(l)));
  }
  return out;
}

function renderAccounting(report: Report, chalk: ChalkInstance, width: number): string[] {
  const t = report.totals;
  const dim = (lines: string[]): string[] => lines.map((l) => chalk.dim(l));
  const out = dim(
    wrapText(
      `Lines: ${formatInt(t.linesRead)} read = ${formatInt(t.recognised)} recognised (${formatInt(t.batchLines)} batch, ${formatInt(t.layoutLines)} layout, ${formatInt(t.recognised - t.batchLines - t.layoutLines)} routing/stats) + ${formatInt(t.ignored)} ignored + ${formatInt(t.unparseable)} unparseable + ${formatInt(t.oversized)} oversized`,
      width,
      '',
      '  ',
    ),
  );
  for (const input of report.inputs) {
    if (input.error !== null) out.push(...wrapText(`${sanitize(input.name)}: ${sanitize(input.error)}${input.lines.linesRead > 0 ? ' (numbers cover only the part read)' : ''}`, width, '  ', '    ').map((l) => chalk.red(l)));
  }
  if (report.skippedFiles.length > 0) {
    const shown = report.skippedFiles.slice(0, 3).map(sanitize).join(', ');
    out.push(...dim(wrapText(`Skipped ${report.skippedFiles.length} file${report.skippedFiles.length === 1 ? '' : 's'} whose names are not log names: ${shown}${report.skippedFiles.length > 3 ? ', …' : ''} (name them to read them)`, width, '', '  ')));
  }
  if (report.duplicateInputs.length > 0) {
    const n = report.duplicateInputs.length;
    const shown = report.duplicateInputs.slice(0, 3).map((d) => `${sanitize(d.name)} = ${sanitize(d.sameAs)}`).join(', ');
    out.push(...dim(wrapText(`Read once: ${n} input${n === 1 ? ' is' : 's are'} the same file as another: ${shown}${n > 3 ? ', …' : ''}`, width, '', '  ')));
  }
  const example = report.inputs.find((i) => i.unparseableExample !== null);
  if (t.unparseable > 0 && example?.unparseableExample) {
    const many = t.unparseable !== 1;
    out.push(
      ...wrapText(`${formatInt(t.unparseable)} line${many ? 's' : ''} looked like ${many ? 'batch lines' : 'a batch line'} but could not be parsed; first (${sanitize(example.name)}): ${sanitize(example.unparseableExample.line)}`, width, '', '  '),
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
