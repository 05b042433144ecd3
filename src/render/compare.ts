/** Renderers for `dpskew compare`: table, markdown (the PR-ready before/after table), json. */
import type { ChalkInstance } from 'chalk';
import type { Comparison, PhaseComparison } from '../analyze/compare.ts';
import { capitalize, formatInt, formatPercent, formatRatio, rankLabel, sanitize } from './format.ts';

export function renderComparison(c: Comparison, format: string, chalk: ChalkInstance): string {
  if (format === 'json') return `${JSON.stringify(c, null, 2)}\n`;
  if (format === 'markdown') return comparisonMarkdown(c);
  return comparisonTable(c, chalk);
}

function delta(points: number): string {
  const value = points * 100;
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${Math.abs(value).toFixed(1)} pt`;
}

function comparisonTable(c: Comparison, chalk: ChalkInstance): string {
  const out = [`${chalk.bold('dpskew compare')}  before: ${sanitize(c.before.label)}  after: ${sanitize(c.after.label)}`];
  for (const p of c.phases) {
    out.push('', chalk.bold(`${capitalize(p.phase)} batches by DP rank, before → after`));
    const header = ['rank', 'before', 'share', 'after', 'share', 'Δ share', 'peak queue before', 'after'];
    const rows = p.ranks.map((r) => [
      rankLabel(r.rank),
      formatInt(r.before?.batches ?? null),
      formatPercent(r.before?.share ?? null),
      formatInt(r.after?.batches ?? null),
      formatPercent(r.after?.share ?? null),
      delta(r.shareDelta),
      formatInt(r.before?.queueMax ?? null),
      formatInt(r.after?.queueMax ?? null),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
    const line = (cells: readonly string[]) => `  ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')}`;
    out.push(chalk.dim(line(header)), ...rows.map(line));
    out.push(`  ${summaryLine(p)}`);
  }
  const verdicts = `Verdict: ${c.before.verdict.toUpperCase()} → ${c.after.verdict.toUpperCase()}`;
  out.push('', c.regression ? chalk.red.bold(`${verdicts} · regression: ${c.regressionReasons.join('; ')}`) : `${verdicts} · no regression`);
  return `${out.join('\n')}\n`;
}

function summaryLine(p: PhaseComparison): string {
  return `peer balance ${formatRatio(p.peerBalanceBefore)} → ${formatRatio(p.peerBalanceAfter)} · balance ${formatRatio(p.balanceBefore)} → ${formatRatio(p.balanceAfter)} · max share ${formatPercent(p.maxShareBefore)} → ${formatPercent(p.maxShareAfter)} · peak queue ${formatInt(p.peakQueueBefore)} → ${formatInt(p.peakQueueAfter)}`;
}

function comparisonMarkdown(c: Comparison): string {
  const out = [`### dpskew: ${c.before.verdict.toUpperCase()} → ${c.after.verdict.toUpperCase()}`, ''];
  for (const p of c.phases) {
    out.push(`**${capitalize(p.phase)} batch count by DP rank**`, '');
    out.push('| DP rank | Before | Share | After | Share | Δ share |', '| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of p.ranks) {
      out.push(
        `| ${rankLabel(r.rank)} | ${formatInt(r.before?.batches ?? null)} | ${formatPercent(r.before?.share ?? null)} | ${formatInt(r.after?.batches ?? null)} | ${formatPercent(r.after?.share ?? null)} | ${delta(r.shareDelta)} |`,
      );
    }
    out.push('', `Peak queue depth: ${formatInt(p.peakQueueBefore)} → ${formatInt(p.peakQueueAfter)} requests · peer balance: ${formatRatio(p.peerBalanceBefore)} → ${formatRatio(p.peerBalanceAfter)} · balance (mean/max): ${formatRatio(p.balanceBefore)} → ${formatRatio(p.balanceAfter)}`, '');
  }
  out.push(c.regression ? `**Regression:** ${c.regressionReasons.join('; ')}` : 'No regression.');
  return `${out.join('\n')}\n`;
}
