/**
 * The page's script: reads the JSON the renderer embedded (page-types.ts) and builds the page from
 * it with text nodes only (dom.ts). Redrawn whole when the system's colour scheme changes, and in
 * the light theme while printing.
 */
import type { ComparePage, Page, PageFinding, PagePhase, PageSeries, PageSide, ReportPage } from '../page-types.ts';
import { ChartSet, type Range, type XKind } from './charts.ts';
import { append, el } from './dom.ts';
import { dateTime, elapsed } from './format.ts';
import { renderTable } from './tables.ts';
import { heatCap, isDark, rankColor, readTheme, setPrinting, type Theme } from './theme.ts';

const page: Page = JSON.parse(document.getElementById('dpskew-data')?.textContent ?? 'null');
let charts: ChartSet | null = null;

function render(): void {
  charts?.destroy();
  const app = document.getElementById('app');
  if (app === null) return;
  app.replaceChildren();
  const theme = readTheme();
  document.title = page.title;
  if (page.kind === 'report') renderReport(app, page, theme);
  else renderCompare(app, page, theme);
}

function renderReport(app: HTMLElement, p: ReportPage, theme: Theme): void {
  const side = p.report;
  const set = new ChartSet(fullRange([side]), side.x, theme);
  charts = set;
  append(
    app,
    el('header', {}, el('h1', {}, 'dpskew report ', el('small', {}, p.tool)), el('ul', { class: 'facts' }, ...side.facts.map((f) => el('li', {}, f)))),
    verdictBox(side.verdict, side.reason, countsText(side), 'verdict'),
    side.interrupted ? el('p', { class: 'banner' }, 'Partial report: the run was interrupted; the numbers may cover only part of the input.') : null,
    hasCharts([side]) ? toolbar(set) : null,
    findingsBlock(side, set, 'report'),
  );
  for (const phase of side.phases) {
    const section = el('section', { class: 'phase', id: `report-${phase.phase}` }, el('h2', {}, phase.title), summary(phase));
    if (phase.series === null) section.appendChild(el('p', { class: 'note' }, phase.noSeries ?? ''));
    else section.appendChild(phaseCharts(set, phase.series, `report:${phase.phase}`, side, null));
    for (const t of phase.tables) section.appendChild(renderTable(t));
    app.appendChild(section);
  }
  for (const s of side.sections) app.appendChild(el('section', { class: 'extra' }, el('h2', {}, s.title), ...s.tables.map((t) => renderTable(t, s.title))));
  app.appendChild(footer(p.tool));
}

function renderCompare(app: HTMLElement, p: ComparePage, theme: Theme): void {
  const set = new ChartSet(fullRange([p.before, p.after]), 'elapsed', theme);
  charts = set;
  const sides = [
    { key: 'before', side: p.before },
    { key: 'after', side: p.after },
  ] as const;
  append(
    app,
    el('header', {}, el('h1', {}, 'dpskew compare ', el('small', {}, p.tool)), el('ul', { class: 'facts' }, el('li', {}, `before: ${p.before.label}`), el('li', {}, `after: ${p.after.label}`), el('li', {}, 'both runs on one axis: time since each run\'s first window'))),
    verdictBox(p.regression ? 'fail' : 'ok', p.reason, p.regression ? 'regression' : 'no regression', 'regression'),
    hasCharts([p.before, p.after]) ? toolbar(set) : null,
    el('section', { class: 'extra' }, el('h2', {}, 'Before → after'), ...p.tables.map((t) => renderTable(t))),
  );
  const phases = (['prefill', 'decode'] as const).filter((ph) => sides.some((s) => s.side.phases.some((x) => x.phase === ph)));
  for (const ph of phases) {
    const pair = el('div', { class: 'pair' });
    const found = sides.map((s) => s.side.phases.find((x) => x.phase === ph) ?? null);
    const yMax = {
      batches: maxOf(found.map((f) => f?.series?.batches)),
      queue: maxOf(found.map((f) => f?.series?.maxQueue)),
    };
    sides.forEach(({ key, side }, i) => {
      const phase = found[i] ?? null;
      const column = el('div', { class: 'column' }, el('h3', {}, `${key}: `, el('span', { class: `badge level-${side.verdict}` }, side.verdict.toUpperCase()), ` ${side.label}`));
      if (phase === null) column.appendChild(el('p', { class: 'note' }, `No ${ph} batches.`));
      else {
        column.appendChild(summary(phase));
        if (phase.series === null) column.appendChild(el('p', { class: 'note' }, phase.noSeries ?? ''));
        else column.appendChild(phaseCharts(set, phase.series, `${key}:${ph}`, side, yMax));
      }
      pair.appendChild(column);
    });
    app.appendChild(el('section', { class: 'phase', id: `compare-${ph}` }, el('h2', {}, ph === 'prefill' ? 'Prefill' : 'Decode'), pair));
  }
  const details = el('div', { class: 'pair' });
  for (const { key, side } of sides) {
    const column = el('div', { class: 'column' }, el('h2', {}, `${key === 'before' ? 'Before' : 'After'}: ${side.label}`), verdictBox(side.verdict, side.reason, countsText(side), `verdict-${key}`), findingsBlock(side, set, key));
    for (const phase of side.phases) for (const t of phase.tables) column.appendChild(renderTable(t));
    for (const s of side.sections) column.appendChild(el('section', { class: 'extra' }, el('h3', {}, s.title), ...s.tables.map((t) => renderTable(t, s.title))));
    details.appendChild(column);
  }
  app.appendChild(el('section', { class: 'details' }, details));
  app.appendChild(footer(p.tool));
}

function verdictBox(verdict: string, reason: string, counts: string, id: string): HTMLElement {
  return el('section', { class: `verdict level-${verdict}`, id }, el('div', { class: 'verdict-label' }, verdict.toUpperCase()), el('div', {}, el('p', { class: 'reason' }, reason), el('p', { class: 'counts' }, counts)));
}

function countsText(side: PageSide): string {
  const c = side.counts;
  const parts = [c.fail > 0 ? `${c.fail} fail` : '', c.warn > 0 ? `${c.warn} warn` : '', c.info > 0 ? `${c.info} info` : ''].filter((x) => x !== '');
  return parts.length === 0 ? 'no findings' : `findings: ${parts.join(' · ')}`;
}

/** The x range on show, and a button back to the whole run. */
function toolbar(set: ChartSet): HTMLElement {
  const label = el('span', { class: 'range-label' });
  const show = (r: Range): void => {
    const whole = r.min <= set.full.min && r.max >= set.full.max;
    const fmt = (x: number): string => (set.xKind === 'time' ? dateTime(x) : elapsed(x));
    label.textContent = `${whole ? 'Whole run' : 'Zoomed'}: ${fmt(r.min)} – ${fmt(r.max)}`;
  };
  show(set.full);
  set.onRange(show);
  const reset = el('button', { type: 'button', class: 'reset' }, 'Show the whole run');
  reset.addEventListener('click', () => set.reset());
  return el('nav', { class: 'toolbar' }, label, reset, el('span', { class: 'hint' }, 'drag on a chart to zoom · double-click to show all · click a time range in a finding to zoom to it'));
}

function findingsBlock(side: PageSide, set: ChartSet, key: string): HTMLElement {
  const section = el('section', { class: 'findings', id: `findings-${key}` }, el('h2', {}, 'Findings'));
  if (side.findings.length === 0) {
    section.appendChild(el('p', { class: 'note' }, 'No findings.'));
    return section;
  }
  const list = el('ol', {});
  for (const f of side.findings) list.appendChild(findingItem(f, side, set, key));
  section.appendChild(list);
  return section;
}

function findingItem(f: PageFinding, side: PageSide, set: ChartSet, key: string): HTMLElement {
  const item = el('li', { class: `finding level-${f.level}`, 'data-code': f.code }, el('span', { class: `badge level-${f.level}` }, f.level.toUpperCase()), ' ', el('code', {}, f.code), el('p', { class: 'message' }, f.message), f.advice === '' ? null : el('p', { class: 'advice' }, f.advice));
  if (f.ranges.length > 0) {
    const step = side.phases.find((p) => p.phase === f.phase)?.series?.step ?? 0;
    const ranges = el('div', { class: 'ranges' });
    for (const r of f.ranges) {
      const button = el('button', { type: 'button', class: 'range', 'data-start': String(r.start), 'data-end': String(r.end) }, r.label);
      button.addEventListener('click', () => {
        // Some context either side: a quarter of the range, at least two points.
        const pad = Math.max((r.end - r.start) * 0.25, step * 2);
        set.setX({ min: Math.max(set.full.min, r.start - pad), max: Math.min(set.full.max, r.end + pad) }, { min: r.start, max: r.end });
        const target = document.getElementById(key === 'report' ? `report-${f.phase}` : `compare-${f.phase}`);
        target?.scrollIntoView({ block: 'start' });
      });
      ranges.appendChild(button);
    }
    item.appendChild(ranges);
  }
  return item;
}

function summary(phase: PagePhase): HTMLElement {
  return el('ul', { class: 'summary' }, ...phase.summary.map((s) => el('li', {}, s)));
}

/** One phase's charts, under a row of rank toggles that show or hide a rank on all of them. */
function phaseCharts(set: ChartSet, s: PageSeries, group: string, side: PageSide, yMax: { batches: number | null; queue: number | null } | null): HTMLElement {
  const chips = el('div', { class: 'chips', role: 'group', 'aria-label': 'show or hide ranks' });
  const buttons = s.ranks.map((rank, i) => {
    const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
    swatch.style.background = rankColor(i, set.theme.dark);
    const b = el('button', { type: 'button', class: 'chip', 'data-rank': String(rank), 'aria-pressed': String(!set.isHidden(group, i)) }, swatch, `DP${rank}`);
    b.addEventListener('click', () => {
      const show = set.isHidden(group, i);
      set.toggleRank(group, i, show);
      b.setAttribute('aria-pressed', String(show));
    });
    return b;
  });
  const all = (show: boolean): HTMLElement => {
    const b = el('button', { type: 'button', class: 'chip all' }, show ? 'all' : 'none');
    b.addEventListener('click', () => {
      s.ranks.forEach((_, i) => set.toggleRank(group, i, show));
      for (const x of buttons) x.setAttribute('aria-pressed', String(show));
    });
    return b;
  };
  append(chips, ...buttons, all(true), all(false));
  const per = s.rowsPerPoint > 1 ? ` (down-sampled: ${s.rowsPerPoint} rows a point)` : '';
  const x: XKind = side.x;
  const when = x === 'time' ? 'UTC' : 'time since the run\'s first window';
  return el(
    'div',
    { class: 'charts', 'data-group': group },
    chips,
    set.add('batches', s, group, `Batches per rank per ${s.step} s${per} · ${when}`, side.thresholds, yMax?.batches ?? null),
    set.add('queue', s, group, `Peak #queue-req per rank per ${s.step} s`, side.thresholds, yMax?.queue ?? null),
    set.add('balance', s, group, `Balance over time: peer balance (others' mean / busiest) and mean/max; warn below ${side.thresholds.warn}, fail below ${side.thresholds.fail}`, side.thresholds, null),
    set.add('heatmap', s, group, 'Share of each point\'s batches by rank (rows), relative to an even share', side.thresholds, null),
    heatLegend(s.ranks.length),
  );
}

function heatLegend(ranks: number): HTMLElement {
  const cap = heatCap(ranks);
  const top = cap >= ranks ? 'all of the batches' : `${cap}× an even share or more`;
  return el('div', { class: 'heat-legend' }, el('span', {}, 'ran nothing'), el('span', { class: 'ramp', 'aria-hidden': 'true' }), el('span', {}, 'even share'), el('span', { class: 'ramp hot', 'aria-hidden': 'true' }), el('span', {}, top), el('span', { class: 'blank' }, 'blank: nobody worked'));
}

function footer(tool: string): HTMLElement {
  return el('footer', {}, `Made by ${tool}. Charts: uPlot. Every time is UTC; numbers as in dpskew's JSON report.`);
}

/** Without a chart (no batch line had a timestamp) there is nothing to zoom: no toolbar. */
function hasCharts(sides: readonly PageSide[]): boolean {
  return sides.some((side) => side.phases.some((p) => p.series !== null));
}

/** The x range of every chart of the page: from the first point to the end of the last one. */
function fullRange(sides: readonly PageSide[]): Range {
  let min = Infinity;
  let max = -Infinity;
  for (const side of sides) {
    for (const phase of side.phases) {
      const s = phase.series;
      if (s === null || s.x.length === 0) continue;
      min = Math.min(min, s.x[0] ?? 0);
      max = Math.max(max, (s.x[s.x.length - 1] ?? 0) + s.step);
    }
  }
  return Number.isFinite(min) ? { min, max } : { min: 0, max: 1 };
}

function maxOf(grids: ReadonlyArray<ReadonlyArray<ReadonlyArray<number | null>> | undefined>): number | null {
  let out: number | null = null;
  for (const grid of grids) for (const row of grid ?? []) for (const v of row) if (v !== null && (out === null || v > out)) out = v;
  return out === null ? null : out * 1.05;
}

render();
// Once the charts' first frame is drawn: the page says so, with the time since navigation began
// (what the browser tests wait for and docs/html-report.md quotes as the time to open).
requestAnimationFrame(() => window.setTimeout(() => document.documentElement.setAttribute('data-rendered-ms', performance.now().toFixed(0)), 0));
window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', render);
let darkBeforePrint = false;
window.addEventListener('beforeprint', () => {
  darkBeforePrint = isDark();
  setPrinting(true);
  if (darkBeforePrint) render();
});
window.addEventListener('afterprint', () => {
  setPrinting(false);
  if (darkBeforePrint) render();
});
let resizeTimer = 0;
window.addEventListener('resize', () => {
  window.clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => charts?.resize(), 150);
});
