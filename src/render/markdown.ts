/**
 * `--format markdown`: a block ready to paste into a pull request, shaped like the PR #7984
 * evidence ("Prefill batch count by DP rank … Peak queue depth …"). Never contains ANSI codes.
 */
import type { PhaseReport, RankGroup } from '../model/report.ts';
import { capitalize, formatInt, formatPercent, formatPValue, formatRatio, rankLabel, sanitize } from './format.ts';
import { describeFinding } from './messages.ts';
import { formatAssertionValue } from './table.ts';
import type { Renderer } from './types.ts';

export const renderMarkdown: Renderer = (report) => {
  const out: string[] = [];
  const headline = report.prefill.groups[0]?.batchStats.peerBalance ?? null;
  out.push(
    `### dpskew: ${report.verdict.toUpperCase()}${headline === null ? '' : ` — prefill peer balance ${formatRatio(headline)}`}`,
    '',
  );
  if (report.interrupted) out.push('**Partial report: interrupted (Ctrl-C, or a summary of an interrupted run); the numbers may cover only part of the input.**', '');
  for (const phase of [report.prefill, report.decode]) out.push(...phaseTables(phase));
  if (report.routing.decisions > 0) {
    const r = report.routing;
    out.push('**Routing decisions by dp_rank**', '', '| dp_rank | Decisions | Share |', '| --- | ---: | ---: |');
    for (const rank of r.ranks) out.push(`| ${rankLabel(rank.rank)} | ${formatInt(rank.decisions)} | ${formatPercent(rank.share)} |`);
    out.push(`| None | ${formatInt(r.none)} | |`, `| sentinel | ${formatInt(r.sentinel)} | |`, `| no dp_rank field | ${formatInt(r.absent)} | |`, '');
  }
  if (report.requests.lines > 0) {
    out.push('**Requests by requested dp_rank**', '', '| source | lines | None | explicit ranks | sentinel |', '| --- | ---: | ---: | --- | ---: |');
    for (const src of report.requests.sources) {
      out.push(`| ${src.source} | ${formatInt(src.lines)} | ${formatInt(src.none)} | ${src.ranks.map((x) => `${rankLabel(x.rank)} ${formatInt(x.requests)}`).join(', ') || '-'} | ${formatInt(src.sentinel)} |`);
    }
    out.push('');
  }
  for (const group of report.engineStats.groups) {
    // KV-cache columns only where a metrics dump carried KV usage: stats-line tables keep their shape.
    const kv = group.ranks.some((r) => r.kvUsage !== undefined);
    out.push(
      `**${group.origin === undefined ? 'vLLM engine stats' : 'Engine metrics'} by DP rank**${group.worker === null ? '' : ` (worker ${escapeMarkdown(group.worker)})`}`,
      '',
      `| DP rank | Samples | Prompt tokens | Share | Waiting p95 | Waiting max | Running mean | Running max |${kv ? ' KV mean | KV max |' : ''}`,
      `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${kv ? ' ---: | ---: |' : ''}`,
    );
    for (const r of group.ranks) {
      const kvCells = kv ? ` ${formatPercent(r.kvUsage?.mean ?? null)} | ${formatPercent(r.kvUsage?.max ?? null)} |` : '';
      out.push(`| ${rankLabel(r.rank)} | ${formatInt(r.samples)} | ${formatInt(r.promptTokens)} | ${formatPercent(r.promptShare)} | ${formatInt(r.waiting.p95)} | ${formatInt(r.waiting.max)} | ${r.running.mean === null ? '-' : r.running.mean.toFixed(1)} | ${formatInt(r.running.max)} |${kvCells}`);
    }
    out.push('');
  }
  const traces = report.requests.traces;
  if (traces !== undefined) {
    out.push('**Request traces by DP rank** (Dynamo request_end records)', '', '| Phase | Worker | DP rank | Requests | Share | TTFT p50 ms | TTFT p95 ms | Queue depth mean | Input tokens |', '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of traces.ranks) {
      out.push(`| ${r.phase} | ${escapeMarkdown(r.workerId || '-')} | ${rankLabel(r.rank)} | ${formatInt(r.requests)} | ${formatPercent(r.share)} | ${formatInt(r.ttftMs.p50)} | ${formatInt(r.ttftMs.p95)} | ${r.queueDepth.mean === null ? '-' : r.queueDepth.mean.toFixed(1)} | ${formatInt(r.inputTokens)} |`);
    }
    out.push('');
  }
  const w = report.windows;
  for (const phase of w === null ? [] : [w.prefill, w.decode]) {
    if (phase === null || phase.activeWindows === 0) continue;
    out.push(
      `**${capitalize(phase.phase)} over time** (${w?.sizeSeconds ?? 0}-s windows): window balance p10 ${formatRatio(phase.balance.p10)}, min ${formatRatio(phase.balance.min)}; skewed windows ${formatPercent(phase.skewedShare)}; queued while a peer idled ${formatPercent(phase.queuedWhilePeerIdleShare)}`,
      '',
    );
    if (phase.worst !== null) {
      out.push(`- worst window ${phase.worst.start.slice(0, 19).replace('T', ' ')}Z: balance ${formatRatio(phase.worst.balance)} (${phase.worst.batches.map((b, i) => `${rankLabel(phase.ranks[i] ?? i)} ${b}`).join(', ')})`);
    }
    for (const p of phase.idlePeriods.slice(0, 10)) {
      out.push(`- ${rankLabel(p.rank)} idle ${p.start.slice(0, 19).replace('T', ' ')}Z – ${p.end.slice(11, 19)}Z (${p.seconds} s) while peers ran ${formatInt(p.peerBatches)} batches`);
    }
    out.push('');
  }
  if (report.assertions.length > 0) {
    out.push('**Assertions**', '', '| | Assertion | Value |', '| --- | --- | ---: |');
    for (const a of report.assertions) {
      out.push(`| ${a.passed ? '✅ pass' : a.level === 'fail' ? '❌ fail' : '⚠️ warn'} | ${codeSpan(a.expression)} | ${a.actual === null ? 'no data' : formatAssertionValue(a.actual)} |`);
    }
    out.push('');
  }
  out.push('**Findings**', '');
  if (report.findings.length === 0) out.push('- none');
  for (const f of report.findings) out.push(`- **${f.level.toUpperCase()}** \`${f.code}\`: ${escapeMarkdown(describeFinding(f).message)}`);
  const t = report.totals;
  out.push(
    '',
    `<sub>dpskew ${report.tool.version} · ${formatInt(t.inputs)} inputs · ${formatInt(t.linesRead)} lines (${formatInt(t.batchLines)} batch, ${formatInt(t.unparseable)} unparseable) · thresholds: warn &lt; ${report.thresholds.warnBalance}, fail &lt; ${report.thresholds.failBalance}</sub>`,
  );
  return `${out.join('\n')}\n`;
};

function phaseTables(phase: PhaseReport): string[] {
  const out: string[] = [];
  for (const group of phase.groups) {
    const owner = group.worker === null ? '' : ` — ${escapeMarkdown(group.worker)}`;
    out.push(`**${capitalize(phase.phase)} batch count by DP rank**${owner}`, '');
    out.push(...groupTable(group, phase.phase === 'prefill'), '');
    const peak = peakQueue(group);
    out.push(
      `Peer balance (others' mean/max): ${formatRatio(group.batchStats.peerBalance)}${group.tokenStats === null ? '' : ` (new tokens ${formatRatio(group.tokenStats.peerBalance)})`} · balance (mean/max): ${formatRatio(group.batchStats.balance)} · peak queue depth: ${peak === null ? '-' : `${formatInt(peak.value)} requests on ${rankLabel(peak.rank)}`} · χ² p ${formatPValue(group.batchStats.chiSquare?.pValue ?? null)}`,
      '',
    );
  }
  return out;
}

function groupTable(group: RankGroup, prefill: boolean): string[] {
  const header = prefill
    ? ['DP rank', 'Batches', 'Share', 'New tokens', 'Token share', 'Peak queue', 'p95 queue']
    : ['DP rank', 'Batches', 'Share', 'Mean running', 'Peak queue', 'p95 queue'];
  const rows = group.ranks.map((r) =>
    prefill
      ? [rankLabel(r.rank), formatInt(r.batches), formatPercent(r.share), formatInt(r.newTokens), formatPercent(r.tokenShare), formatInt(r.queue.max), formatInt(r.queue.p95)]
      : [rankLabel(r.rank), formatInt(r.batches), formatPercent(r.share), formatRatio(r.running.mean, 1), formatInt(r.queue.max), formatInt(r.queue.p95)],
  );
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

function peakQueue(group: RankGroup): { rank: number; value: number } | null {
  let best: { rank: number; value: number } | null = null;
  for (const r of group.ranks) {
    if (r.queue.max !== null && (best === null || r.queue.max > best.value)) best = { rank: r.rank, value: r.queue.max };
  }
  return best;
}

/**
 * Text (names, log text) as Markdown shows it literally: control characters made visible
 * (`sanitize`), HTML's `&`, `<`, `>` as entities (a backslash before `<` is not honoured by every
 * renderer, and an entity such as `&#x202e;` would otherwise be decoded into what sanitize removed),
 * then what would change a table or inline formatting backslash-escaped.
 */
function escapeMarkdown(text: string): string {
  return sanitize(text)
    .replace(/[&<>]/g, (c) => HTML_ENTITIES[c] ?? c)
    .replace(/[|\\`*_~[\]]/g, (c) => `\\${c}`);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Text in a code span: shown as is (backslash escapes and entities are literal there), but a table's `|` still needs its escape. */
function codeSpan(text: string): string {
  const clean = sanitize(text).replace(/\|/g, '\\|');
  const fence = clean.includes('`') ? '`` ' : '`';
  return `${fence}${clean}${fence.split('').reverse().join('')}`;
}
