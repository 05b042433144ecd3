import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { WorkerState } from '../../src/aggregate/worker-state.ts';
import { DEFAULT_THRESHOLDS } from '../../src/model/thresholds.ts';
import { renderCharts } from '../../src/render/chart.ts';
import { buildReport } from '../../src/analyze/build-report.ts';
import type { Report } from '../../src/model/report.ts';
import { batch, layout } from '../helpers/records.ts';

const T0 = Date.UTC(2026, 3, 14, 10);

/** `ranks` ranks, `seconds` of log, one prefill batch per rank every 2 s, queue rising on the last rank. */
function report(ranks: number, seconds: number): Report {
  const w = new WorkerState('n_prefill_w0');
  w.layouts.push(layout({ dpSize: ranks, disaggregationMode: 'prefill' }));
  for (let s = 0; s < seconds; s += 2) {
    for (let r = 0; r < ranks; r++) w.phases.prefill.add(batch('prefill', { dp: r }, { time: T0 + s * 1000, queue: r === ranks - 1 ? s : 0 }));
  }
  return buildReport([w], [], { groupBy: 'rank', dpSize: null, thresholds: { ...DEFAULT_THRESHOLDS, minBatches: 1, minBatchesPerRank: 1 } });
}

const plain = new Chalk({ level: 0 });
const colored = new Chalk({ level: 1 });
// eslint-disable-next-line no-control-regex -- stripping ESC sequences is the point
const visible = (line: string) => line.replace(/\u001b\[[0-9;]*m/g, '');

describe.each([
  ['1 rank, 1 window', 1, 2],
  ['4 ranks, 10 minutes', 4, 600],
  ['64 ranks, 1 hour', 64, 3600],
])('charts for %s', (_label, ranks, seconds) => {
  const r = report(ranks, seconds);

  it.each([80, 200])('fit %i columns, with and without colour', (width) => {
    for (const chalk of [plain, colored]) {
      const lines = renderCharts(r, chalk, width);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(visible(line).length).toBeLessThanOrEqual(width);
    }
  });

  it('show at most 8 series, the rest summed as others, and a legend with colour', () => {
    const text = renderCharts(r, colored, 120).join('\n');
    if (ranks > 1) expect(text).toContain('━━ DP0');
    if (ranks > 8) {
      expect(text).toContain(`others (${ranks - 7})`);
      expect(text).toContain(`DP${ranks - 1}`);
    }
    expect((text.match(/━━ /g) ?? []).length).toBeLessThanOrEqual(8);
  });

  it('stay readable without colour: one labelled small chart per series, no escape codes', () => {
    const text = renderCharts(r, plain, 120).join('\n');
    expect(text).not.toContain('\u001b');
    if (ranks > 1) expect(text).toMatch(new RegExp(`^  DP${ranks - 1}$`, 'm'));
  });
});

describe('charts', () => {
  it('are absent without windows', () => {
    const w = new WorkerState('x');
    w.phases.prefill.add(batch('prefill', { dp: 0 }));
    expect(renderCharts(buildReport([w], [], { groupBy: 'rank', dpSize: null, thresholds: DEFAULT_THRESHOLDS }), plain, 80)).toEqual([]);
  });
});
