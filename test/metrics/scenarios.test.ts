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
    expect(codes(json)).toEqual(['fail:ENGINE_SKEW', 'fail:ENGINE_SKEW', 'fail:IDLE_RANK', 'fail:QUEUED_WHILE_PEER_IDLE']);
    // Requests running, mean over 24 scrapes: 28, 4.5, 0, 0 → DP0 28/32.5, the others (4.5/3)/28 of it
    const running = json.findings.find((f) => f.code === 'ENGINE_SKEW' && f.basis === 'running');
    expect(running).toMatchObject({ level: 'fail', phase: 'decode', engine: 'vllm', origin: 'metrics', maxRank: 0, ranks: 4, threshold: 0.5 });
    expect(running?.code === 'ENGINE_SKEW' ? [running.peerBalance, running.maxShare, running.balance] : []).toEqual([1.5 / 28, 28 / 32.5, 8.125 / 28]);
    expect(json.findings.find((f) => f.code === 'ENGINE_SKEW' && f.basis === 'promptTokens')).toMatchObject({ engine: 'vllm', origin: 'metrics', maxShare: 690_000 / 759_000 });
    // KV-cache usage per rank (vllm:kv_cache_usage_perc): DP0 between 0.8438 and 0.9062, DP1 0.125 to 0.1562
    const kv = json.engineStats.groups[0]?.ranks.map((r) => r.kvUsage);
    expect(kv?.map((k) => k?.max)).toEqual([0.9062, 0.1562, 0, 0]);
    expect(kv?.[0]?.mean).toBeCloseTo(0.875, 12);
    expect(kv?.[1]?.mean).toBeCloseTo(0.1406, 12);
    const idle = json.findings.find((f) => f.code === 'IDLE_RANK');
    expect(idle).toMatchObject({ idleRanks: [2, 3], ranks: 4, total: 48 });
    expect(json.findings.find((f) => f.code === 'QUEUED_WHILE_PEER_IDLE')).toMatchObject({ share: 1, windows: 24 });
    expect(json.inputs[0]?.families).toEqual({ prometheus: 24 * 17 });
  });

  it('SGLang DP2, prompt tokens even, requests running 24 vs 15 on average: ENGINE_SKEW on running (warn), SGLang advice, KV usage per rank', async () => {
    const { json, result } = await runJson(['fixtures/metrics/sglang-dp2-running-skew.prom']);
    expect(result.code).toBe(0);
    expect(json.verdict).toBe('warn');
    // 23 intervals × 8,192 prompt tokens on each rank: balanced, so the running requests alone are judged skewed
    expect(ranksOf(json)).toEqual([
      [0, 188_416, 0, 24],
      [1, 188_416, 0, 18],
    ]);
    expect(json.findings).toHaveLength(1);
    const f = json.findings[0];
    // means 24 and (12 + 18) / 2 = 15: peer balance 15/24 = 0.625 (warn below 0.8, fail below 0.5)
    expect(f).toMatchObject({ code: 'ENGINE_SKEW', level: 'warn', basis: 'running', engine: 'sglang', origin: 'metrics', peerBalance: 0.625, balance: 0.8125, maxRank: 0, maxShare: 24 / 39, threshold: 0.8, ranks: 2 });
    const text = JSON.stringify(f);
    expect(text).toContain('Requests running are skewed across 2 engines (mean over scrapes): DP0 has 61.5%');
    expect(text).toContain('--load-balance-method');
    expect(text).toContain('SGLang schedulers');
    expect(text).not.toContain('vLLM');
    // sglang:token_usage: DP0 0.75 throughout, DP1 0.40 and 0.50 by turns
    expect(json.engineStats.groups[0]?.ranks.map((r) => [r.kvUsage?.max, r.kvUsage?.mean])).toEqual([
      [0.75, 0.75],
      [0.5, expect.closeTo(0.45, 12)],
    ]);
    const table = await runCli(['fixtures/metrics/sglang-dp2-running-skew.prom']);
    expect(table.stdout).toMatch(/DP1\s+24\s+188,416\s+50\.0%.*\s18\s+15\.0\s+50\.0%\s+45\.0%/);
    const md = await runCli(['fixtures/metrics/sglang-dp2-running-skew.prom', '-f', 'markdown']);
    expect(md.stdout).toContain('| DP rank | Samples | Prompt tokens | Share | Waiting p95 | Waiting max | Running mean | Running max | KV mean | KV max |');
    expect(md.stdout).toContain('| DP1 | 24 | 188,416 | 50.0% | 0 | 0 | 15.0 | 18 | 45.0% | 50.0% |');
  });

  it('IDLE_PERIOD over scrapes: DP1 empty in the nine scrapes 13:02:00–13:04:00 while its peers run; DP2 empty for 30 s (under --idle-min) is not a period', async () => {
    const { json } = await runJson(['fixtures/metrics/vllm-dp4-idle-period.prom']);
    const idle = json.findings.find((f) => f.code === 'IDLE_PERIOD');
    expect(idle).toMatchObject({ level: 'warn', origin: 'metrics', worker: 'vllm-dp4-idle-period', moreRanks: 0 });
    // From the first idle scrape to the last, never stretched past them; 9 scrapes × 3 busy peers
    expect(idle?.code === 'IDLE_PERIOD' ? idle.ranks : []).toEqual([
      { rank: 1, periods: 1, totalSeconds: 120, longest: { rank: 1, start: '2026-05-28T13:02:00.000Z', end: '2026-05-28T13:04:00.000Z', seconds: 120, peerBatches: 27 } },
    ]);
    expect(JSON.stringify(idle)).toContain('DP1 ran nothing for 2 min');
    expect(JSON.stringify(idle)).toContain('had requests running (27 rank-scrapes)');
    // With --idle-min 30s, DP2's three scrapes (30 s) are a period too
    const { json: shorter } = await runJson(['fixtures/metrics/vllm-dp4-idle-period.prom', '--idle-min', '30s']);
    const both = shorter.findings.find((f) => f.code === 'IDLE_PERIOD');
    expect(both?.code === 'IDLE_PERIOD' ? both.ranks.map((r) => [r.rank, r.totalSeconds, r.longest.start]) : []).toEqual([
      [1, 120, '2026-05-28T13:02:00.000Z'],
      [2, 30, '2026-05-28T13:05:00.000Z'],
    ]);
    // Ranks idle in every scrape are IDLE_RANK's, not periods
    const { json: allIdle } = await runJson(['fixtures/metrics/vllm-dp4-engine0-skew.prom']);
    expect(allIdle.findings.some((f) => f.code === 'IDLE_PERIOD')).toBe(false);
  });

  it('running skew below one request on average is not judged (RUNNING_SKEW_MIN_MEAN)', async () => {
    // DP0 runs 1 request in every other scrape (mean 0.5), DP1 waits on 1 now and then: no ENGINE_SKEW on running
    const text = Array.from({ length: 30 }, (_, i) =>
      [`vllm:num_requests_running{engine="0"} ${i % 2}`, 'vllm:num_requests_running{engine="1"} 0', 'vllm:num_requests_waiting{engine="0"} 0', `vllm:num_requests_waiting{engine="1"} ${i % 3 === 0 ? 1 : 0}`].join('\n'),
    ).join('\n');
    const { json } = await runJson(['-'], { stdin: `${text}\n` });
    expect(json.engineStats.groups[0]?.ranks.map((r) => r.running.mean)).toEqual([0.5, 0]);
    expect(json.findings.filter((f) => f.code === 'ENGINE_SKEW')).toEqual([]);
    // Stats lines carry no KV usage: no column, no field
    expect(json.engineStats.groups[0]?.ranks.map((r) => r.kvUsage)).toEqual([undefined, undefined]);
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
      ['dynamo-two-workers-untimed decode:7587890043311737930', [10, 2]],
      ['dynamo-two-workers-untimed decode:7587890043311737931', [2, 2]],
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

  it('the HTML page names the metrics and shows KV usage; a stats-line page keeps its title and columns', async () => {
    const page = (await runCli(['fixtures/metrics/vllm-dp4-engine0-skew.prom', '-f', 'html'])).stdout;
    for (const text of ['Engine stats and metrics', 'Engine metrics by DP rank', 'KV max', 'KV mean', '87.5%', '90.6%']) expect(page).toContain(text);
    const logs = (await runCli(['fixtures/vllm/engine-stats-skewed-dp2.log', '-f', 'html'])).stdout;
    expect(logs).toContain('vLLM engine stats by DP rank');
    expect(logs).not.toContain('KV max');
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
