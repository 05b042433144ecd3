/** The `--last` stretch and what a snapshot looks like on a terminal and in a pipe. */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/options/options.ts';
import { renderJson } from '../../src/render/json.ts';
import { fitScreen, renderWatchScreen, renderWatchSnapshot } from '../../src/render/watch.ts';
import { buildReport } from '../../src/analyze/build-report.ts';
import { Follower } from '../../src/watch/follow.ts';
import { slidingWindow } from '../../src/analyze/last-stretch.ts';

const settings = { engine: 'auto', patterns: [], timezone: 'UTC', maxLineBytes: 1 << 20, range: null } as const;
const line = (second: number, dp: number, queue: number): string =>
  `[2026-04-14 10:${String(Math.floor(second / 60)).padStart(2, '0')}:${String(second % 60).padStart(2, '0')} DP${dp} TP${dp}] Prefill batch, #new-seq: 1, #new-token: 10, #cached-token: 0, #running-req: 0, #queue-req: ${queue}\n`;

async function snapshotOf(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'dpskew-snapshot-'));
  writeFileSync(join(dir, 'p_prefill_w0.out'), text);
  const follower = new Follower([dir], settings, dir);
  await follower.poll();
  const options = parseOptions({ dpSize: '4' });
  const workers = [...follower.workers.values()];
  const report = buildReport(workers, follower.inputs(), { ...options, timezone: 'UTC', timeRange: null });
  return { report, workers, window: slidingWindow(workers, options.dpSize, 60_000) };
}

describe('watch snapshots', () => {
  // Ten minutes of even work on DP0–DP3, then the last minute on DP0 only.
  const text = Array.from({ length: 540 }, (_, i) => line(i, i % 4, 1)).join('') + Array.from({ length: 60 }, (_, i) => line(540 + i, 0, 50 + i)).join('');

  it('the --last stretch counts the last minute of log time only, every expected rank shown', async () => {
    const { window } = await snapshotOf(text);
    expect(window?.seconds).toBe(60);
    expect(window?.end).toBe('2026-04-14T10:09:59.000Z');
    expect(window?.prefill?.ranks).toEqual([
      { rank: 0, batches: 60, share: 1, queue: { max: 109 } },
      { rank: 1, batches: 0, share: 0, queue: { max: null } },
      { rank: 2, batches: 0, share: 0, queue: { max: null } },
      { rank: 3, batches: 0, share: 0, queue: { max: null } },
    ]);
    expect(window?.prefill).toMatchObject({ batches: 60, peerBalance: 0, balance: 0.25, maxShare: 1, maxRank: 0 });
    expect(window?.decode).toBeNull();
  });

  it('the stretch attributes lines as the report does: unlabeled lines of a single-rank worker are DP0', async () => {
    // SGLang without DP attention prints `[… TP0]`: one rank, no DP label. The report counts them as
    // DP0; the stretch must too (it once skipped them and gave `last: null`).
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-snapshot-'));
    const unlabeled = Array.from({ length: 10 }, (_, i) => `[2026-04-14 10:00:0${i} TP0] Prefill batch, #new-seq: 1, #new-token: 10, #cached-token: 0, #running-req: 0, #queue-req: 2\n`).join('');
    writeFileSync(join(dir, 'stdin'), unlabeled);
    const follower = new Follower([dir], settings, dir);
    await follower.poll();
    const workers = [...follower.workers.values()];
    const report = buildReport(workers, follower.inputs(), { ...parseOptions({}), timezone: 'UTC', timeRange: null });
    expect(report.prefill.ranks?.map((r) => [r.rank, r.batches])).toEqual([[0, 10]]);
    expect(slidingWindow(workers, null, 60_000)?.prefill?.ranks).toEqual([{ rank: 0, batches: 10, share: 1, queue: { max: 2 } }]);
  });

  it('no timestamps yet: no stretch', async () => {
    const { workers } = await snapshotOf('');
    expect(slidingWindow(workers, 4, 60_000)).toBeNull();
  });

  it('one NDJSON object per snapshot, versioned, with whole-run ranks and the stretch', async () => {
    const { report, window } = await snapshotOf(text);
    const json = JSON.parse(renderWatchSnapshot({ report, window, time: Date.UTC(2026, 3, 14, 10, 10), rotations: 0, truncations: 0 }));
    expect(Object.keys(json)).toEqual(['schemaVersion', 'kind', 'time', 'verdict', 'totals', 'prefill', 'decode', 'findings', 'metrics', 'last', 'rotations', 'truncations']);
    expect(json).toMatchObject({ schemaVersion: 2, kind: 'snapshot', time: '2026-04-14T10:10:00.000Z', totals: { linesRead: 600 }, prefill: { batches: 600 } });
    // The whole run under the report's own names and shape (jq .prefill.ranks reads both).
    const asReport = JSON.parse(renderJson(report, { chalk: new Chalk({ level: 0 }), width: 80, chart: false }));
    for (const key of ['verdict', 'totals', 'prefill', 'decode', 'findings', 'metrics']) expect(json[key]).toEqual(asReport[key]);
    expect(json.prefill.ranks.map((r: { batches: number }) => r.batches)).toEqual([195, 135, 135, 135]);
    expect(json.last.prefill.peerBalance).toBe(0);
  });

  it('the terminal screen: header, the stretch above the whole-run table', async () => {
    const { report, window } = await snapshotOf(text);
    const screen = renderWatchScreen({ report, window, time: Date.UTC(2026, 3, 14, 10, 10), rotations: 1, truncations: 0 }, { chalk: new Chalk({ level: 0 }), width: 100, chart: false }, 2000);
    const lines = screen.split('\n');
    expect(lines[0]).toBe('dpskew watch · 10:10:00Z · every 2 s · Ctrl-C for the final report · 1 rotation');
    expect(lines[1]).toBe('Last 60 s of log (to 10:09:59Z)');
    expect(lines[2]).toBe('  prefill DP0 60  DP1 0  DP2 0  DP3 0   peer balance 0.00   peak queue DP0 109');
    expect(lines[3]).toMatch(/^Verdict so far: (OK|WARN|FAIL|INSUFFICIENT)/);
    expect(screen).toContain('Prefill batches by DP rank');
  });
});

describe('fitScreen', () => {
  it('keeps the first rows − 1 lines and says how many more there are', () => {
    const text = Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n');
    expect(fitScreen(text, 5, 80)).toBe('line 0\nline 1\nline 2\n… 7 more lines: a taller terminal shows them, Ctrl-C prints the whole report\n');
    expect(fitScreen('a\nb\n', 5, 80)).toBe('a\nb\n');
  });

  it('cuts long lines to the width, colour codes not counted and closed', () => {
    expect(fitScreen('abcdefghij', 10, 6)).toBe('abcde…\n');
    expect(fitScreen('\u001b[31mabcdefghij\u001b[0m', 10, 6)).toBe('\u001b[31mabcde…\u001b[0m\n');
    expect(fitScreen('\u001b[31mabc\u001b[0m', 10, 6)).toBe('\u001b[31mabc\u001b[0m\n');
  });
});
