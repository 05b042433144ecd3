/** Dynamo, vLLM and TensorRT-LLM fixtures end to end (issue #3's acceptance cases). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchesByRank, ROOT, runCli, runJson } from './run-cli.ts';

const fixture = (path: string) => join(ROOT, 'fixtures', path);
const codes = (json: { findings: readonly { code: string; level: string }[] }) => json.findings.map((f) => `${f.level}:${f.code}`);

describe('Dynamo routing', () => {
  it('every bootstrap decision pinned to Some(0): DP_RANK_PINNED per worker, check exits 1', async () => {
    const { json } = await runJson([fixture('dynamo/router-pinned-dp0.log')]);
    expect(json.routing).toMatchObject({ decisions: 200, none: 0, sentinel: 0, ranks: [{ rank: 0, decisions: 200, share: 1 }] });
    expect(json.routing.workers.map((w) => [w.workerId, w.decisions, w.ranks])).toEqual(
      ['7587890043311737930', '7587890043311737931', '7587890043311737932', '7587890043311737933'].map((id) => [id, 50, [{ rank: 0, decisions: 50 }]]),
    );
    expect(codes(json)).toEqual(Array.from({ length: 4 }, () => 'fail:DP_RANK_PINNED'));
    expect(json.inputs[0]?.families).toEqual({ dynamo: 200 });
    expect((await runCli(['check', fixture('dynamo/router-pinned-dp0.log')])).code).toBe(1);
  });

  it('dp_rank=None: kept apart from 0, no finding, check exits 0', async () => {
    const { json } = await runJson([fixture('dynamo/router-none.log')]);
    expect(json.routing).toMatchObject({ decisions: 200, none: 200, ranks: [] });
    expect(json.findings).toEqual([]);
    expect((await runCli(['check', fixture('dynamo/router-none.log')])).code).toBe(0);
  });

  it('ranks spread: no finding', async () => {
    const { json } = await runJson([fixture('dynamo/router-spread.log')]);
    expect(json.routing.ranks.map((r) => r.decisions)).toEqual([52, 52, 48, 48]);
    expect(json.findings).toEqual([]);
  });

  it('JSONL with a leaked u32::MAX: DP_RANK_SENTINEL', async () => {
    const { json } = await runJson([fixture('dynamo/router-jsonl-sentinel.log')]);
    expect(json.routing).toMatchObject({ decisions: 24, sentinel: 2 });
    expect(json.routing.ranks.map((r) => [r.rank, r.decisions])).toEqual([[0, 4], [1, 6], [2, 6], [3, 6]]);
    expect(codes(json)).toEqual(['fail:DP_RANK_SENTINEL']);
  });

  it('routing next to what the engines ran: a mismatch is flagged', async () => {
    const { json } = await runJson([fixture('dynamo/router-pinned-dp0.log'), join(ROOT, 'examples/pr7984-after')]);
    expect(codes(json)).toContain('warn:ROUTING_EXECUTION_MISMATCH');
    const { stdout } = await runCli([fixture('dynamo/router-spread.log'), join(ROOT, 'examples/pr7984-after')]);
    expect(stdout).toContain('Routing decisions by worker and dp_rank');
    expect(stdout).toContain('Prefill batches by DP rank');
    expect(stdout).not.toContain('ROUTING_EXECUTION_MISMATCH');
  });
});

describe('vLLM', () => {
  it('Engine 000/001 stats give two ranks with their peak Waiting', async () => {
    const { json } = await runJson([fixture('vllm/engine-stats-dp2.log')]);
    const ranks = json.engineStats.groups[0]?.ranks ?? [];
    expect(ranks.map((r) => [r.rank, r.samples, r.waiting.max])).toEqual([[0, 30, 12], [1, 30, 3]]);
    expect(json.verdict).toBe('ok');
  });

  it('aggregated and disabled stats say that per-rank data is absent', async () => {
    expect(codes((await runJson([fixture('vllm/engines-aggregated.log')])).json)).toContain('warn:STATS_AGGREGATED');
    const disabled = await runJson([fixture('vllm/stats-disabled.log')]);
    expect(codes(disabled.json)).toContain('warn:STATS_LOGGING_DISABLED');
    expect(JSON.stringify(disabled.json.findings)).toContain('--api-server-count 1');
  });

  it('iteration lines: context steps per EngineCore_DPk, dummy steps excluded', async () => {
    const { json } = await runJson([fixture('vllm/iteration-dp2.log')]);
    expect(batchesByRank(json)).toEqual({ DP0: 40, DP1: 10 });
    // DP1's prefill lines say the worker has two ranks: DP1 ran no decode step (only dummies).
    expect(batchesByRank(json, 'decode')).toEqual({ DP0: 40, DP1: 0 });
    expect(json.workers[0]).toMatchObject({ dpSize: 2, dpSizeSource: 'inferred', inferredFrom: 'labels' });
    expect(json.totals).toMatchObject({ linesRead: 120, batchLines: 90, ignored: 30 });
    // DP=2 fails: DP1 ran a quarter of DP0's prefill steps (peer balance 0.25) and no decode step.
    expect(codes(json)).toEqual(expect.arrayContaining(['fail:BATCH_SKEW', 'fail:IDLE_RANK']));
    expect(json.verdict).toBe('fail');
  });
});

describe('TensorRT-LLM', () => {
  it('iteration lines give per-rank context steps and tokens', async () => {
    const { json } = await runJson([fixture('trtllm/iter-log-4-ranks.log')]);
    expect(batchesByRank(json)).toEqual({ DP0: 25, DP1: 25, DP2: 25, DP3: 25 });
    expect(json.prefill.groups[0]?.ranks.map((r) => r.newTokens)).toEqual([512 * 25, 576 * 25, 640 * 25, 704 * 25]);
    expect(batchesByRank(json, 'decode')).toEqual({ DP0: 25, DP1: 25, DP2: 25, DP3: 25 });
  });

  it('only rank 0 logging is called out with the fix', async () => {
    const { json } = await runJson([fixture('trtllm/iter-log-rank0-only.log')]);
    expect(batchesByRank(json)).toEqual({ DP0: 30 });
    expect(codes(json)).toEqual(['warn:SINGLE_RANK_LOGGING']);
    expect(JSON.stringify(json.findings)).toContain('TLLM_PROFILE_LOG_RANKS=all');
    // One rank's iteration log cannot show balance: nothing is judged, so check does not pass.
    expect(json.verdict).toBe('insufficient');
  });
});

describe('detection and --engine', () => {
  it('several families interleaved in one stream are each recognised and counted', async () => {
    const text = ['dynamo/router-spread.log', 'vllm/engine-stats-dp2.log', 'trtllm/iter-log-4-ranks.log']
      .map((f) => readFileSync(fixture(f), 'utf8'))
      .join('');
    const { json } = await runJson([], { stdin: text });
    expect(json.inputs[0]?.families).toEqual({ trtllm: 200, dynamo: 200, vllm: 60 });
  });

  it('--engine restricts parsing to one family', async () => {
    const { json } = await runJson([fixture('trtllm/iter-log-4-ranks.log'), '--engine', 'sglang']);
    expect(json.totals.recognised).toBe(0);
    expect((await runCli(['--engine', 'nope'], { stdin: '' })).code).toBe(2);
  });
});

describe('--pattern', () => {
  it('reads an unknown format through a user pattern, and refuses a bad one with exit 2', async () => {
    const text = Array.from({ length: 40 }, (_, i) => `t=2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z worker batch on rank ${i % 4}, queue ${i % 5}`).join('\n');
    const pattern = 't=(?<ts>\\S+) worker batch on rank (?<rank>\\d+), queue (?<queue>\\d+)';
    const { json } = await runJson(['--engine', 'custom', '--pattern', pattern], { stdin: text });
    expect(batchesByRank(json)).toEqual({ DP0: 10, DP1: 10, DP2: 10, DP3: 10 });
    expect(json.inputs[0]?.families).toEqual({ custom: 40 });
    const bad = await runCli(['--pattern', '(x)\\1(?<rank>\\d)'], { stdin: text });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cannot run in linear time');
    expect((await runCli(['--engine', 'custom'], { stdin: text })).code).toBe(2);
  });
});
