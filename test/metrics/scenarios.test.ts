/** Metrics dumps end to end (the built CLI), with exact numbers: what each fixture must report. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli, runJson } from '../cli/run-cli.ts';
import { unwrap } from '../helpers/unwrap.ts';
import type { Report } from '../../src/model/report.ts';

const codes = (r: Report): string[] => r.findings.map((f) => `${f.level}:${f.code}`).sort();
const ranksOf = (r: Report, group = 0): Array<[number, number, number | null, number | null]> =>
  (r.engineStats.groups[group]?.ranks ?? []).map((x) => [x.rank, x.promptTokens, x.waiting.max, x.running.max]);

describe('metrics dumps', () => {
  it('vLLM DP4, time line before each scrape, HELP/TYPE: engine 0 takes 90.9% of prompt tokens, two engines idle, queued while peers idle', async () => {
    const { json, result } = await runJson(['fixtures/metrics/vllm-dp4-engine0-skew.prom']);
    expect(result.code).toBe(0);
    expect(json.verdict).toBe('fail');
    // 23 intervals × 30,000 and × 3,000 prompt tokens; the counters' first values (100,000 …) are no interval's
    expect(ranksOf(json)).toEqual([
      [0, 690_000, 15, 29],
      [1, 69_000, 0, 5],
      [2, 0, 0, 0],
      [3, 0, 0, 0],
    ]);
    expect(json.engineStats.groups[0]?.origin).toBe('metrics');
    expect(json.engineStats.groups[0]?.ranks[0]?.firstTime).toBe('2026-05-28T13:00:26.000Z');
    expect(json.engineStats.groups[0]?.ranks[0]?.lastTime).toBe('2026-05-28T13:06:11.000Z');
    expect(json.engineStats.samples).toBe(96);
    expect(codes(json)).toEqual(['fail:ENGINE_SKEW', 'fail:IDLE_RANK', 'fail:QUEUED_WHILE_PEER_IDLE']);
    const idle = json.findings.find((f) => f.code === 'IDLE_RANK');
    expect(idle).toMatchObject({ idleRanks: [2, 3], ranks: 4, total: 48 });
    expect(json.findings.find((f) => f.code === 'QUEUED_WHILE_PEER_IDLE')).toMatchObject({ share: 1, windows: 24 });
    expect(json.inputs[0]?.families).toEqual({ prometheus: 24 * 17 });
  });

  it('the same dump without its time lines: scrapes in file order, same prompt tokens (each interval its own delta)', async () => {
    const text = readFileSync('fixtures/metrics/vllm-dp4-engine0-skew.prom', 'utf8').replace(/^2026-\S+ \S+\n/gm, '');
    const { json } = await runJson(['-'], { stdin: text });
    expect(ranksOf(json)).toEqual([
      [0, 690_000, 15, 29],
      [1, 69_000, 0, 5],
      [2, 0, 0, 0],
      [3, 0, 0, 0],
    ]);
    expect(json.engineStats.groups[0]?.ranks[0]?.firstTime).toBeNull();
  });

  it('SGLang DP4 re-exported with "_", OpenMetrics seconds, a counter reset on DP2: prefill_compute only, the reset costs no tokens', async () => {
    const { json } = await runJson(['fixtures/metrics/sglang-dp4-underscore-reset.prom']);
    // 7 intervals × 16,384 on DP0/DP1; DP2 restarted after its third scrape (6 intervals counted); DP3 idle with 3 queued
    expect(ranksOf(json)).toEqual([
      [0, 114_688, 0, 15],
      [1, 114_688, 0, 15],
      [2, 98_304, 0, 15],
      [3, 0, 3, 0],
    ]);
    expect(json.engineStats.groups[0]?.ranks[0]?.firstTime).toBe('2026-05-28T13:00:26.000Z');
    // 8 scrapes of 4 ranks are too few to judge (10 per rank); DP3 waits with nothing running: stuck, not idle
    expect(json.verdict).toBe('insufficient');
    expect(codes(json)).toEqual([]);
  });

  it('SGLang without --enable-metrics-for-all-schedulers: METRICS_WITHOUT_RANK, nothing judged', async () => {
    const { json, result } = await runJson(['fixtures/metrics/sglang-no-dp-rank.prom']);
    expect(result.code).toBe(0);
    expect(json.verdict).toBe('insufficient');
    expect(json.engineStats.groups).toEqual([]);
    expect(json.findings).toMatchObject([{ code: 'METRICS_WITHOUT_RANK', level: 'warn', engine: 'sglang', samples: 9 }]);
    expect(JSON.stringify(json.findings[0])).toContain('--enable-metrics-for-all-schedulers');
  });

  it('all ranks pinned at 15 running with a queue: RUNNING_CEILING on every rank, no skew', async () => {
    const { json } = await runJson(['fixtures/metrics/sglang-dp4-uniform-ceiling.prom']);
    expect(codes(json)).toEqual(['warn:RUNNING_CEILING', 'warn:RUNNING_CEILING', 'warn:RUNNING_CEILING', 'warn:RUNNING_CEILING']);
    expect(json.findings.map((f) => (f.code === 'RUNNING_CEILING' ? [f.rank, f.running, f.queuedLines] : null))).toEqual([
      [0, 15, 24],
      [1, 15, 24],
      [2, 15, 24],
      [3, 15, 24],
    ]);
  });

  it('Prometheus API query_range results (named on the command line): prompt tokens 28,000 vs 3,500', async () => {
    const { json } = await runJson(['fixtures/metrics/vllm-dp2-query-range.json']);
    expect(ranksOf(json)).toEqual([
      [0, 28_000, 15, 8],
      [1, 3_500, 0, 4],
    ]);
  });

  it('SGLang /v1/loads saved by a curl loop: DP2 holds 11 waiting', async () => {
    const { json } = await runJson(['fixtures/metrics/sglang-v1-loads.jsonl']);
    expect(ranksOf(json)).toEqual([
      [0, 0, 0, 0],
      [1, 0, 0, 0],
      [2, 0, 11, 1],
      [3, 0, 0, 0],
    ]);
    expect(json.engineStats.groups[0]?.ranks[2]?.lastTime).toBe('2026-07-30T10:00:50.000Z');
  });

  it('Dynamo worker_id/worker_type labels: one group per worker with --by worker', async () => {
    const { json } = await runJson(['fixtures/metrics/dynamo-two-workers-untimed.prom', '--by', 'worker']);
    expect(json.engineStats.groups.map((g) => [g.worker, g.ranks.map((r) => r.running.max)])).toEqual([
      ['dynamo-two-workers-untimed.prom decode:7587890043311737930', [10, 2]],
      ['dynamo-two-workers-untimed.prom decode:7587890043311737931', [2, 2]],
    ]);
  });

  it('table, markdown and CSV show the dump', async () => {
    const table = await runCli(['fixtures/metrics/vllm-dp4-engine0-skew.prom']);
    expect(unwrap(table.stdout)).toContain('Engine metrics by DP rank (all workers; metrics dumps; prompt tokens from counter deltas)');
    expect(table.stdout).toMatch(/DP0\s+24\s+690,000\s+90\.9%/);
    const md = await runCli(['fixtures/metrics/vllm-dp4-engine0-skew.prom', '-f', 'markdown']);
    expect(md.stdout).toContain('| DP0 | 24 | 690,000 | 90.9% | 15 | 15 | 28.0 | 29 |');
    const csv = await runCli(['fixtures/metrics/vllm-dp4-engine0-skew.prom', '-f', 'csv']);
    expect(csv.stdout.split('\r\n')).toContain(',,0,,0.9090909090909091,,,,,15,13,15,13.5,29,28,2026-05-28T13:00:26.000Z,2026-05-28T13:06:11.000Z,engine-stats,,24,690000,,,,,');
  });

  it('--since/--until filter samples by their time line', async () => {
    const { json } = await runJson(['fixtures/metrics/vllm-dp4-engine0-skew.prom', '--since', '2026-05-28 13:01:26', '--until', '2026-05-28 13:02:26']);
    // scrapes at 13:01:26, :41, :56, 13:02:11: three intervals
    expect(ranksOf(json).map(([rank, tokens]) => [rank, tokens])).toEqual([
      [0, 90_000],
      [1, 9_000],
      [2, 0],
      [3, 0],
    ]);
  });
});
