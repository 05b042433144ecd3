/**
 * The page's charts (uPlot): batches and peak queue per rank over time, balance over time, and a
 * rank × time heat map of batch share. Every chart of a page shares one time axis: the cursor
 * moves on all of them, a drag or a finding's range zooms all of them, a double click shows the
 * whole run again. Each chart's figure carries data attributes (`data-series`, `data-shown`,
 * `data-x-min`, `data-x-max`, `data-plot`) that say what it draws, for people and for the tests.
 */
import type { PageSeries } from '../page-types.ts';
import { el } from './dom.ts';
import { clock, elapsed, fixed } from './format.ts';
import { heatColor, rankColor, type Theme } from './theme.ts';

export type ChartKind = 'batches' | 'queue' | 'balance' | 'heatmap';
export type XKind = 'time' | 'elapsed';

interface Handle {
  readonly u: uPlot;
  readonly fig: HTMLElement;
  readonly kind: ChartKind;
  /** the rank group (one side's phase) whose rank toggles apply to it */
  readonly group: string;
  readonly readout: HTMLElement;
  readonly series: PageSeries;
}

const SYNC_KEY = 'dpskew';
/** Ranks named in a readout under the cursor (the highest values first). */
const READOUT_RANKS = 6;

export interface Range {
  readonly min: number;
  readonly max: number;
}

/** All charts of one page, and what they share: the x range, the highlighted stretch, hidden ranks. */
export class ChartSet {
  private readonly handles: Handle[] = [];
  private readonly hidden = new Map<string, Set<number>>();
  private highlight: Range | null = null;
  private current: Range;
  private syncing = false;
  private readonly listeners: Array<(r: Range) => void> = [];
  /** figures added but not yet drawn: built together on the next microtask */
  private readonly pending: Array<{ readonly fig: HTMLElement; readonly build: (width: number) => void }> = [];

  constructor(
    readonly full: Range,
    readonly xKind: XKind,
    readonly theme: Theme,
  ) {
    this.current = full;
  }

  onRange(listener: (r: Range) => void): void {
    this.listeners.push(listener);
  }

  /** Zoom every chart to [min, max] (x units), marking `highlight` on each when given. */
  setX(range: Range, highlight: Range | null = this.highlight): void {
    this.current = range;
    this.highlight = highlight;
    this.syncing = true;
    try {
      for (const h of this.handles) h.u.setScale('x', { min: range.min, max: range.max });
    } finally {
      this.syncing = false;
    }
    for (const h of this.handles) this.mark(h);
    for (const l of this.listeners) l(range);
  }

  reset(): void {
    this.setX(this.full, null);
  }

  /** Show or hide rank index `i` of a group on each of its charts. */
  toggleRank(group: string, i: number, show: boolean): void {
    const set = this.hidden.get(group) ?? new Set<number>();
    if (show) set.delete(i);
    else set.add(i);
    this.hidden.set(group, set);
    for (const h of this.handles) {
      if (h.group !== group) continue;
      if (h.kind === 'batches' || h.kind === 'queue') h.u.setSeries(i + 1, { show });
      else if (h.kind === 'heatmap') h.u.redraw(false);
      this.mark(h);
    }
  }

  isHidden(group: string, i: number): boolean {
    return this.hidden.get(group)?.has(i) === true;
  }

  resize(): void {
    for (const h of this.handles) {
      const width = chartWidth(h.fig);
      if (width !== h.u.width) h.u.setSize({ width, height: h.u.height });
      this.mark(h);
    }
  }

  destroy(): void {
    for (const h of this.handles) h.u.destroy();
    this.handles.length = 0;
  }

  /**
   * A chart of `kind` for one phase's series, in a figure with a caption and a readout line.
   * @param yMax the top of the y axis (shared by the two sides of a comparison); `null`: from the data
   */
  add(kind: ChartKind, series: PageSeries, group: string, caption: string, thresholds: { warn: number; fail: number }, yMax: number | null): HTMLElement {
    const readout = el('div', { class: 'readout', 'aria-live': 'off' }, '\u00a0');
    const plot = el('div', { class: 'plot' });
    const fig = el('figure', { class: `chart chart-${kind}`, 'data-chart': `${group}:${kind}` }, el('figcaption', {}, caption), plot, readout);
    // Built once the figure is in the document, where it can be measured (see flush).
    this.pending.push({
      fig,
      build: (width) => this.build(width, kind, series, group, thresholds, yMax, fig, plot, readout),
    });
    if (this.pending.length === 1) queueMicrotask(() => this.flush());
    return fig;
  }

  /**
   * Measure every waiting figure first, then build their charts: measuring between builds would
   * lay the whole page out again for each chart (a third of the open time with 16 charts).
   */
  private flush(): void {
    const batch = this.pending.splice(0);
    const widths = batch.map((p) => chartWidth(p.fig));
    batch.forEach((p, i) => p.build(widths[i] ?? 800));
  }

  private build(width: number, kind: ChartKind, series: PageSeries, group: string, thresholds: { warn: number; fail: number }, yMax: number | null, fig: HTMLElement, plot: HTMLElement, readout: HTMLElement): void {
    const u = new uPlot(this.options(kind, series, group, thresholds, yMax, width, readout), chartData(kind, series, thresholds), plot);
    const handle: Handle = { u, fig, kind, group, readout, series };
    this.handles.push(handle);
    if (kind === 'batches' || kind === 'queue') series.ranks.forEach((_, i) => this.isHidden(group, i) && u.setSeries(i + 1, { show: false }));
    this.syncing = true;
    try {
      u.setScale('x', { min: this.current.min, max: this.current.max });
    } finally {
      this.syncing = false;
    }
    this.mark(handle);
  }

  /** Write what the chart shows into its figure's data attributes. */
  private mark(h: Handle): void {
    const d = h.fig.dataset;
    // Line charts: what uPlot itself holds and shows; the heat map: its rows, the hidden ones faded.
    const lines = h.u.series.slice(1);
    const heat = h.kind === 'heatmap';
    d['series'] = String(heat ? h.series.ranks.length : lines.length);
    d['shown'] = String(heat ? h.series.ranks.filter((_, i) => !this.isHidden(h.group, i)).length : lines.filter((s) => s.show !== false).length);
    d['xMin'] = String(h.u.scales['x']?.min ?? '');
    d['xMax'] = String(h.u.scales['x']?.max ?? '');
    d['yMax'] = String(h.u.scales['y']?.max ?? '');
    const b = h.u.bbox;
    d['plot'] = `${Math.round(b.left)},${Math.round(b.top)},${Math.round(b.width)},${Math.round(b.height)}`;
  }

  private options(kind: ChartKind, s: PageSeries, group: string, thresholds: { warn: number; fail: number }, yMax: number | null, width: number, readout: HTMLElement): uPlot.Options {
    const t = this.theme;
    const n = s.ranks.length;
    const height = kind === 'heatmap' ? Math.max(120, Math.min(480, n * 7)) + 40 : kind === 'balance' ? 170 : 220;
    const yLabel = kind === 'batches' ? `batches per ${s.step} s` : kind === 'queue' ? 'peak #queue-req' : kind === 'balance' ? 'balance' : '';
    const rankLine = (i: number): uPlot.Series => ({
      label: `DP${s.ranks[i] ?? i}`,
      stroke: rankColor(i, t.dark),
      width: 1.25,
      ...stepped(),
      points: { show: false },
    });
    let series: uPlot.Series[];
    if (kind === 'batches' || kind === 'queue') series = [{}, ...s.ranks.map((_, i) => rankLine(i))];
    else if (kind === 'balance') {
      series = [
        {},
        { label: 'peer balance', stroke: t.accent, width: 2, ...stepped(), points: { show: false } },
        { label: 'balance (mean/max)', stroke: t.muted, width: 1, ...stepped(), points: { show: false } },
        { label: `warn below ${thresholds.warn}`, stroke: t.warn, width: 1, dash: [6, 4], points: { show: false } },
        { label: `fail below ${thresholds.fail}`, stroke: t.fail, width: 1, dash: [2, 3], points: { show: false } },
      ];
    } else series = [{}, { label: 'share', paths: () => null, points: { show: false } }];
    const yRange: uPlot.Scale.Range =
      kind === 'balance' ? [0, 1.05] : kind === 'heatmap' ? [0, n] : (_u, _min, max) => [0, Math.max(1, yMax ?? (max ?? 1) * 1.05)];
    const heatTicks = (): number[] => {
      const every = Math.max(1, Math.ceil(n / 16));
      const out: number[] = [];
      for (let i = 0; i < n; i += every) out.push(n - i - 0.5);
      return out;
    };
    const axisY: uPlot.Axis =
      kind === 'heatmap'
        ? { stroke: t.muted, grid: { show: false }, ticks: { show: false }, size: 56, splits: heatTicks, values: (_u, splits) => splits.map((v) => `DP${s.ranks[Math.floor(n - v)] ?? ''}`) }
        : { stroke: t.muted, grid: { stroke: t.grid, width: 1 }, ticks: { stroke: t.grid }, size: 56, label: yLabel, labelSize: 18, labelFont: '11px system-ui, sans-serif', font: '11px system-ui, sans-serif' };
    const axisX: uPlot.Axis = {
      stroke: t.muted,
      grid: { stroke: t.grid, width: 1, show: kind !== 'heatmap' },
      ticks: { stroke: t.grid },
      font: '11px system-ui, sans-serif',
      space: 70,
      values: (_u: uPlot, splits: number[], _axis: number, _space: number, incr: number) => splits.map((v) => (this.xKind === 'elapsed' ? elapsed(v) : timeTick(v, incr, this.full))),
    };
    return {
      width,
      height,
      legend: { show: false },
      series,
      scales: { x: { time: this.xKind === 'time' }, y: { range: yRange } },
      axes: [axisX, axisY],
      ...(this.xKind === 'time' ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') } : {}),
      cursor: {
        sync: { key: SYNC_KEY, setSeries: false },
        drag: { x: true, y: false },
        points: { show: false },
        bind: { dblclick: () => () => (this.reset(), null) },
      },
      hooks: {
        setScale: [(u, key) => key === 'x' && !this.syncing && this.setX({ min: u.scales['x']?.min ?? this.full.min, max: u.scales['x']?.max ?? this.full.max })],
        draw: [(u) => kind === 'heatmap' && this.drawHeatmap(u, s, group), (u) => this.drawHighlight(u)],
        setCursor: [(u) => this.showReadout(u, kind, s, group, readout)],
      },
    };
  }

  private drawHighlight(u: uPlot): void {
    const h = this.highlight;
    if (h === null) return;
    const { top, height } = u.bbox;
    const x0 = u.valToPos(h.min, 'x', true);
    const x1 = u.valToPos(h.max, 'x', true);
    const ctx = u.ctx;
    ctx.save();
    ctx.fillStyle = this.theme.highlight;
    ctx.strokeStyle = this.theme.accent;
    ctx.lineWidth = 1;
    ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
    ctx.strokeRect(x0, top, Math.max(1, x1 - x0), height);
    ctx.restore();
  }

  /** One cell per rank and point: the rank's share of the point's batches, relative to an even share. */
  private drawHeatmap(u: uPlot, s: PageSeries, group: string): void {
    const n = s.ranks.length;
    const { left, top, width, height } = u.bbox;
    const ctx = u.ctx;
    const xMin = u.scales['x']?.min ?? -Infinity;
    const xMax = u.scales['x']?.max ?? Infinity;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    const rowTop = (r: number): number => u.valToPos(n - r, 'y', true);
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i] ?? 0;
      if (x + s.step < xMin || x > xMax) continue;
      let total = 0;
      for (let r = 0; r < n; r++) total += s.batches[r]?.[i] ?? 0;
      if (total === 0) continue; // nobody worked: left blank, not called balanced
      const x0 = Math.floor(u.valToPos(x, 'x', true));
      const x1 = Math.ceil(u.valToPos(x + s.step, 'x', true));
      for (let r = 0; r < n; r++) {
        const v = ((s.batches[r]?.[i] ?? 0) / total) * n;
        ctx.fillStyle = heatColor(v, n, this.theme, this.isHidden(group, r) ? 0.15 : 1);
        const y0 = Math.floor(rowTop(r));
        ctx.fillRect(x0, y0, Math.max(1, x1 - x0), Math.max(1, Math.ceil(rowTop(r + 1)) - y0));
      }
    }
    ctx.restore();
  }

  /** The values under the cursor, in words, below the chart. */
  private showReadout(u: uPlot, kind: ChartKind, s: PageSeries, group: string, readout: HTMLElement): void {
    const idx = u.cursor.idx;
    if (idx === null || idx === undefined) {
      readout.textContent = '\u00a0';
      return;
    }
    const i = Math.min(idx, s.x.length - 1);
    const x = s.x[i] ?? 0;
    const when = this.xKind === 'time' ? `${clock(x)}–${clock(x + s.step)}Z` : `${elapsed(x)} – ${elapsed(x + s.step)}`;
    const shown = (r: number): boolean => !this.isHidden(group, r);
    if (kind === 'balance') {
      readout.textContent = `${when} · peer balance ${fixed(s.peerBalance[i], 2)} · balance ${fixed(s.balance[i], 2)}`;
      return;
    }
    if (kind === 'heatmap') {
      const n = s.ranks.length;
      const top = u.cursor.top ?? -1;
      const r = top < 0 ? -1 : Math.floor(n - u.posToVal(top, 'y'));
      const total = s.batches.reduce((sum, b) => sum + (b[i] ?? 0), 0);
      const b = s.batches[r]?.[i];
      readout.textContent =
        b === undefined ? `${when} · ${total} batches` : `${when} · DP${s.ranks[r]}: ${b} of ${total} batches${total > 0 ? ` (${((b / total) * 100).toFixed(1)}%, ${((b / total) * n).toFixed(2)}× an even share)` : ''}`;
      return;
    }
    const values = kind === 'batches' ? s.batches : s.maxQueue;
    const top = s.ranks
      .map((rank, r) => ({ rank, r, v: values[r]?.[i] ?? null }))
      .filter((e) => e.v !== null && shown(e.r))
      .sort((a, b) => (b.v ?? 0) - (a.v ?? 0) || a.rank - b.rank)
      .slice(0, READOUT_RANKS);
    const total = kind === 'batches' ? ` · ${s.batches.reduce((sum, b) => sum + (b[i] ?? 0), 0)} batches in all` : '';
    readout.textContent = `${when} · ${top.map((e) => `DP${e.rank} ${e.v}`).join(' · ') || 'no values'}${total}`;
  }
}

/** uPlot's data: x (with one more point closing the last step) and the series of one chart. */
function chartData(kind: ChartKind, s: PageSeries, thresholds: { warn: number; fail: number }): uPlot.AlignedData {
  const last = s.x[s.x.length - 1] ?? 0;
  const x = [...s.x, last + s.step];
  const close = <T>(values: readonly T[]): T[] => [...values, ...values.slice(-1)];
  switch (kind) {
    case 'batches':
      return [x, ...s.batches.map((b) => close(b))];
    case 'queue':
      return [x, ...s.maxQueue.map((q) => close(q))];
    case 'balance':
      return [x, close(s.peerBalance), close(s.balance), x.map(() => thresholds.warn), x.map(() => thresholds.fail)];
    case 'heatmap':
      return [x, x.map(() => null)];
  }
}

/** A time axis label in UTC: seconds only when ticks are less than a minute apart, the date when the run spans days. */
function timeTick(seconds: number, incr: number, full: Range): string {
  const iso = new Date(Math.round(seconds * 1000)).toISOString();
  const time = incr < 60 ? iso.slice(11, 19) : iso.slice(11, 16);
  return full.max - full.min > 86_400 ? `${iso.slice(5, 10)} ${time}` : time;
}

/** Lines that hold each point's value until the next point: a window's count covers the whole window. */
function stepped(): Pick<uPlot.Series, 'paths'> {
  const paths = uPlot.paths.stepped?.({ align: 1 });
  return paths === undefined ? {} : { paths };
}

function chartWidth(fig: HTMLElement): number {
  return Math.max(280, Math.floor(fig.clientWidth || fig.parentElement?.clientWidth || 800));
}
