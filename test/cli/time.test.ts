/** Issue #4 end to end: windows, idle periods, time filters, time zones, charts. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchesByRank, ROOT, runCli, runJson } from './run-cli.ts';

const AFTER = join(ROOT, 'examples/pr7984-after');
const IDLE = join(ROOT, 'fixtures/scenarios/balanced-total-rank2-idle-5min.log');

describe('balance over time', () => {
  it('a run balanced overall but with one rank idle for 5 minutes is not ok, and the report names the rank and period', async () => {
    const { json } = await runJson([IDLE]);
    expect(batchesByRank(json)).toEqual({ DP0: 300, DP1: 300, DP2: 300, DP3: 300 });
    expect(json.prefill.balance).toBe(1);
    expect(json.verdict).toBe('warn');
    expect(json.findings).toEqual([
      expect.objectContaining({
        code: 'IDLE_PERIOD',
        ranks: [{ rank: 2, periods: 1, totalSeconds: 300, longest: { rank: 2, start: '2026-04-14T10:08:00.000Z', end: '2026-04-14T10:13:00.000Z', seconds: 300, peerBatches: 225 } }],
        moreRanks: 0,
      }),
    ]);
    const { stdout } = await runCli([IDLE]);
    expect(stdout).toContain('DP2 ran nothing for 5 min (2026-04-14 10:08:00Z – 2026-04-14 10:13:00Z)');
    expect(stdout).toContain('idle: DP2 2026-04-14T10:08:00Z – 10:13:00Z (300 s)');
    const md = await runCli([IDLE, '--format', 'markdown']);
    expect(md.stdout).toContain('10:08:00');
  });

  it('windows: auto picks 5 s for a 10-minute run; --window sets the size', async () => {
    const auto = (await runJson([AFTER])).json.windows;
    expect(auto).toMatchObject({ sizeSeconds: 5, auto: true, count: 121 });
    expect(auto?.prefill?.activeWindows).toBe(120);
    const fixed = (await runJson([AFTER, '--window', '1m'])).json.windows;
    expect(fixed).toMatchObject({ sizeSeconds: 60, auto: false, count: 11 });
    const total = (fixed?.prefill?.rows ?? []).reduce((s, row) => s + row.batches.reduce((a, b) => a + b, 0), 0);
    expect(total).toBe(7719);
    expect((await runCli([AFTER, '--window', 'soon'])).code).toBe(2);
  });

  it('the PR "before" run is queued while peers idle in most windows (fail)', async () => {
    const { json } = await runJson([join(ROOT, 'examples/pr7984-before')]);
    expect(json.findings).toContainEqual(expect.objectContaining({ code: 'QUEUED_WHILE_PEER_IDLE', level: 'fail' }));
    expect(json.windows?.prefill?.worst?.batches.slice(1)).toEqual([0, 0, 0]);
  });

  it('charts appear in the table and go away with --no-chart', async () => {
    const withChart = (await runCli([AFTER])).stdout;
    expect(withChart).toContain('Prefill queue depth over time');
    expect(withChart).toMatch(/^  DP0$/m); // without colour: one small chart per rank
    expect((await runCli([AFTER, '--color'])).stdout).toContain('━━ DP0');
    expect((await runCli([AFTER, '--no-chart'])).stdout).not.toContain('queue depth over time');
  });
});

/** Keep the lines whose SGLang timestamp is in [since, until), and the layout lines. */
function cutByHand(dir: string, since: string, until: string): string {
  const out = mkdtempSync(join(tmpdir(), 'dpskew-cut-'));
  for (const file of readdirSync(dir)) {
    const kept = readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .filter((line) => {
        if (line.includes('server_args=')) return true;
        const stamp = /^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})/.exec(line)?.[1];
        return stamp !== undefined && stamp >= since && stamp < until;
      });
    writeFileSync(join(out, file), `${kept.join('\n')}\n`);
  }
  return out;
}

describe('--since / --until / --skip-warmup', () => {
  it('give the same numbers as cutting the files by hand', async () => {
    const since = '2026-04-14 10:02:00';
    const until = '2026-04-14 10:05:30';
    const filtered = (await runJson([AFTER, '--since', since, '--until', until])).json;
    const cut = (await runJson([cutByHand(AFTER, since, until)])).json;
    expect(filtered.prefill).toEqual(cut.prefill);
    expect(filtered.decode).toEqual(cut.decode);
    expect(filtered.timeRange).toEqual({ since: '2026-04-14T10:02:00.000Z', until: '2026-04-14T10:05:30.000Z' });
    expect(filtered.totals.outOfRange).toBeGreaterThan(0);
    expect(filtered.totals.linesRead).toBe(filtered.totals.recognised + filtered.totals.ignored + filtered.totals.unparseable + filtered.totals.oversized);
  });

  it('relative bounds resolve against the log start and end, and --skip-warmup is --since +duration', async () => {
    const relative = (await runJson([AFTER, '--since', '+2m', '--until', '-1m'])).json;
    expect(relative.timeRange?.since).toBe('2026-04-14T10:02:00.000Z');
    const absolute = (await runJson([AFTER, '--since', relative.timeRange?.since ?? '', '--until', relative.timeRange?.until ?? ''])).json;
    expect(relative.prefill).toEqual(absolute.prefill);
    const warm = (await runJson([AFTER, '--skip-warmup', '2m'])).json;
    const since = (await runJson([AFTER, '--since', '+2m'])).json;
    expect(warm.prefill).toEqual(since.prefill);
    expect((await runCli(['--since', '+2m'], { stdin: readFileSync(IDLE) })).code).toBe(2);
    expect((await runCli([AFTER, '--since', 'yesterday'])).code).toBe(2);
    expect((await runCli([AFTER, '--since', '+1m', '--skip-warmup', '1m'])).code).toBe(2);
  });
});

describe('--tz', () => {
  it('reads zone-less SGLang stamps in the given zone and says so', async () => {
    const utc = (await runJson([IDLE])).json;
    const berlin = (await runJson([IDLE, '--tz', 'Europe/Berlin'])).json;
    expect(utc.prefill.groups[0]?.ranks[0]?.firstTime).toBe('2026-04-14T10:00:00.000Z');
    expect(berlin.prefill.groups[0]?.ranks[0]?.firstTime).toBe('2026-04-14T08:00:00.000Z');
    expect(berlin.timezone).toBe('Europe/Berlin');
    expect((await runCli([IDLE])).stdout).toContain('zone-less times read as UTC');
    expect((await runCli([IDLE, '--tz', 'Nowhere/Special'])).code).toBe(2);
  });
});
