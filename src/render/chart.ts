/**
 * Charts over time for the table output (asciichart): peak queue per rank per window, and window
 * balance, for prefill (decode when the logs have no prefill). Fitted to the terminal width by merging adjacent windows (queue: the peak of the merged
 * windows; balance: the worst), at most MAX_SERIES series (the ranks with the highest queue peaks,
 * the rest as one "others" series), with a legend in the ranks' colours. Without colour, lines of
 * different ranks cannot be told apart, so each series gets its own small chart instead.
 */
import asciichart from 'asciichart';
import type { ChalkInstance } from 'chalk';
import type { PhaseWindows, Report } from '../model/report.ts';
import { capitalize, rankLabel } from './format.ts';

export const MAX_SERIES = 8;
const LABEL_WIDTH = 7;
/** asciichart draws `label` + ` ┤` before the points */
const AXIS_WIDTH = LABEL_WIDTH + 2;
const QUEUE_HEIGHT = 8;
const SMALL_HEIGHT = 3;
const BALANCE_HEIGHT = 4;
const SERIES_COLORS = [
  asciichart.blue,
  asciichart.red,
  asciichart.green,
  asciichart.magenta,
  asciichart.cyan,
  asciichart.yellow,
  asciichart.lightblue,
  asciichart.lightred,
];

export function renderCharts(report: Report, chalk: ChalkInstance, width: number): string[] {
  const windows = report.windows;
  if (windows === null) return [];
  const out: string[] = [];
  // Prefill is where routing skew shows; decode is charted only when there is no prefill to chart.
  const phase = windows.prefill ?? windows.decode;
  if (phase !== null && phase.rows.length > 0) {
    const windowSeconds = windows.sizeSeconds * phase.mergedWindows;
    const points = Math.max(1, Math.min(phase.rows.length, width - AXIS_WIDTH - 2));
    const perPoint = Math.ceil(phase.rows.length / points);
    const from = (phase.rows[0]?.start ?? '').slice(0, 19).replace('T', ' ');
    const caption = `${phase.rows.length} windows of ${windowSeconds} s from ${from}Z${perPoint > 1 ? `, ${perPoint} per column` : ''}`;
    out.push('', chalk.bold(`${capitalize(phase.phase)} queue depth over time`) + chalk.dim(' (peak #queue-req per window)'));
    out.push(chalk.dim(`  ${caption}`));
    out.push(...queueChart(phase, perPoint, chalk));
    out.push('', chalk.bold(`${capitalize(phase.phase)} balance over time`) + chalk.dim(' (mean/max per window)'));
    out.push(...balanceChart(phase, perPoint));
  }
  return out;
}

interface Series {
  readonly label: string;
  readonly values: number[];
}

function queueChart(phase: PhaseWindows, perPoint: number, chalk: ChalkInstance): string[] {
  const perRank = phase.ranks.map((rank, r) => ({
    label: rankLabel(rank),
    values: phase.rows.map((row) => row.maxQueue[r] ?? 0),
  }));
  const series = pickSeries(perRank).map((s) => ({ label: s.label, values: downsample(s.values, perPoint, Math.max) }));
  if (series.every((s) => s.values.every((v) => v === 0))) return ['  (no queued requests in any window)'];
  const colored = chalk.level > 0;
  if (!colored && series.length > 1) {
    // Small multiples: one chart per series, same scale, readable without colour.
    const max = Math.max(...series.flatMap((s) => s.values));
    return series.flatMap((s) => [`  ${s.label}`, ...plot([s.values], { height: SMALL_HEIGHT, min: 0, max, integer: true })]);
  }
  const colors = series.map((_, i) => SERIES_COLORS[i % SERIES_COLORS.length] ?? asciichart.default);
  const legend = series.map((s, i) => (colored ? `${colors[i] ?? ''}━━ ${s.label}${asciichart.reset}` : `━━ ${s.label}`)).join('  ');
  return [
    ...plot(
      series.map((s) => s.values),
      colored ? { height: QUEUE_HEIGHT, min: 0, colors, integer: true } : { height: QUEUE_HEIGHT, min: 0, integer: true },
    ),
    `  ${legend}`,
  ];
}

function balanceChart(phase: PhaseWindows, perPoint: number): string[] {
  const balances = phase.rows.map((row) => row.balance);
  const merged: Array<number | null> = [];
  for (let i = 0; i < balances.length; i += perPoint) {
    const group = balances.slice(i, i + perPoint).filter((b): b is number => b !== null);
    merged.push(group.length === 0 ? null : Math.min(...group));
  }
  if (merged.every((b) => b === null)) return ['  (no active window)'];
  // asciichart cannot draw gaps: idle columns are drawn at their neighbour's value and marked below.
  let previous = merged.find((b) => b !== null) ?? 1;
  const filled = merged.map((b) => (previous = b ?? previous));
  const lines = plot([filled], { height: BALANCE_HEIGHT, min: 0, max: 1 });
  const marks = merged.map((b) => (b === null ? '·' : ' ')).join('');
  return marks.trim() === '' ? lines : [...lines, `${' '.repeat(2 + LABEL_WIDTH + 1)}${marks}`.trimEnd(), '  (· nobody worked in that column)'];
}

/** Busiest ranks first (by peak queue, then rank); past MAX_SERIES the rest are merged into "others". */
function pickSeries(all: readonly Series[]): Series[] {
  if (all.length <= MAX_SERIES) return [...all];
  const ranked = [...all].sort((a, b) => Math.max(...b.values) - Math.max(...a.values));
  const kept = ranked.slice(0, MAX_SERIES - 1);
  const rest = ranked.slice(MAX_SERIES - 1);
  const others = { label: `others (${rest.length})`, values: (rest[0]?.values ?? []).map((_, i) => Math.max(...rest.map((s) => s.values[i] ?? 0))) };
  return [...kept, others];
}

function downsample(values: readonly number[], perPoint: number, combine: (...xs: number[]) => number): number[] {
  if (perPoint <= 1) return [...values];
  const out: number[] = [];
  for (let i = 0; i < values.length; i += perPoint) out.push(combine(...values.slice(i, i + perPoint)));
  return out;
}

/** `integer`: the series are counts (queue depths), so the axis shows whole numbers, never `96.38`. */
function plot(series: number[][], config: { height: number; min?: number; max?: number; colors?: string[]; integer?: boolean }): string[] {
  const { integer = false, ...options } = config;
  const text = asciichart.plot(series, { ...options, format: (x: number) => formatAxis(integer ? Math.round(x) : x).padStart(LABEL_WIDTH) });
  return text.split('\n').map((line) => `  ${line}`);
}

function formatAxis(x: number): string {
  if (Math.abs(x) >= 10_000) return `${(x / 1000).toFixed(0)}k`;
  if (Number.isInteger(x) || Math.abs(x) >= 100) return x.toFixed(0);
  return x.toFixed(2);
}
