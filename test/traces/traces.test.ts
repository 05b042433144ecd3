/** Dynamo request traces (`dynamo.request.trace.v1`): records, tallies, and the report with exact numbers. */
import { describe, expect, it } from 'vitest';
import { parseDynamoTraceLine } from '../../src/parse/dynamo-trace.ts';
import { RequestTraceAccumulator } from '../../src/aggregate/request-traces.ts';
import { workerStem } from '../../src/input/sources.ts';
import type { RequestTraceRecord } from '../../src/model/records.ts';
import { unwrap } from '../helpers/unwrap.ts';
import { runCli, runJson } from '../cli/run-cli.ts';

const BIG = '7587890043311737930';

function line(worker: Record<string, number>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ schema: 'dynamo.request.trace.v1', event_type: 'request_end', event_time_unix_ms: 1779973227000, request: { request_received_ms: 1779973226000, ttft_ms: 120.4, queue_depth: 3, input_tokens: 900, output_tokens: 64, worker, ...extra } });
}

function record(text: string): RequestTraceRecord {
  const r = parseDynamoTraceLine(text);
  if (r.kind !== 'record' || r.record.kind !== 'request-trace') throw new Error(JSON.stringify(r));
  return r.record;
}

describe('worker names of metrics dumps and trace shards', () => {
  it.each([
    ['dumps/vllm-dp4.prom', 'vllm-dp4'],
    ['loads.jsonl', 'loads'],
    ['trace/dynamo-request-trace.000000.jsonl', 'dynamo-request-trace'],
    ['trace/dynamo-request-trace.000001.jsonl.gz', 'dynamo-request-trace'],
    ['trace/other-trace.000003.jsonl.gz', 'other-trace'],
    ['node1_prefill_w0.out.1.gz', 'node1_prefill_w0'],
  ])('%s → %s', (path, stem) => expect(workerStem(path)).toBe(stem));
});

describe('request_end records', () => {
  it('keeps u64 worker ids exact and reads ranks, TTFT, queue depth and tokens', () => {
    // Worker ids are JSON numbers too large for a double, as serde writes u64s: 1 and 2 stand in for them.
    const text = line({ prefill_worker_id: 1, prefill_dp_rank: 2, decode_worker_id: 2, decode_dp_rank: 1 }).replace('"prefill_worker_id":1', `"prefill_worker_id":${BIG}`).replace('"decode_worker_id":2', `"decode_worker_id":${BIG.slice(0, -1)}1`);
    expect(record(text)).toEqual({
      kind: 'request-trace',
      time: 1779973226000,
      prefillWorker: BIG,
      prefillRank: 2,
      decodeWorker: `${BIG.slice(0, -1)}1`,
      decodeRank: 1,
      ttftMs: 120.4,
      prefillWaitMs: undefined,
      queueDepth: 3,
      inputTokens: 900,
      outputTokens: 64,
    });
  });

  it('reads the file-sink envelope, and ignores other events and other schemas', () => {
    const inner = JSON.parse(line({ decode_worker_id: 5, decode_dp_rank: 0 }));
    expect(record(JSON.stringify({ timestamp: '2026-05-28T13:00:30Z', event: inner })).decodeRank).toBe(0);
    expect(parseDynamoTraceLine(JSON.stringify({ ...inner, event_type: 'tool_start' })).kind).toBe('ignored');
    expect(parseDynamoTraceLine('{"schema":"dynamo.request.trace.v1","event_type":"request_end","request":{"worker":').kind).toBe('unparseable');
  });

  it('tallies disaggregated requests on both phases, aggregated ones on decode only', () => {
    const acc = new RequestTraceAccumulator();
    acc.add(record(line({ prefill_worker_id: 1, prefill_dp_rank: 0, decode_worker_id: 2, decode_dp_rank: 3 })));
    acc.add(record(line({ prefill_worker_id: 2, prefill_dp_rank: 1, decode_worker_id: 2, decode_dp_rank: 1 })));
    acc.add(record(line({})));
    expect(acc.toJSON().rows.map(([phase, worker, rank, t]) => [phase, worker, rank, t.requests])).toEqual([
      ['decode', '2', 1, 1],
      ['decode', '2', 3, 1],
      ['prefill', '1', 0, 1],
    ]);
    expect(acc.unranked).toBe(1);
    expect(acc.requests).toBe(3);
  });
});

describe('dpskew on a directory of trace shards (plain and gzip)', () => {
  it('per-rank requests, TTFT p50/p95, queue depth at arrival, input tokens; DP0 waited 4x longer', async () => {
    const { json } = await runJson(['fixtures/traces/dp4-rank0-slow']);
    const t = json.requests.traces;
    expect(t?.requests).toBe(40);
    expect(t?.ranks.map((r) => [r.phase, r.workerId, r.rank, r.requests, r.ttftMs.p50, r.ttftMs.p95, r.queueDepth.mean, r.inputTokens])).toEqual([
      ['decode', BIG, 0, 16, 480, 560, 6, 16_280],
      ['decode', BIG, 1, 8, 120, 140, 1, 8_148],
      ['decode', BIG, 2, 8, 120, 140, 1, 8_180],
      ['decode', BIG, 3, 8, 120, 140, 1, 8_172],
    ]);
    expect(t?.slowest).toEqual({ phase: 'decode', workerId: BIG, rank: 0, ttftP50: 480, othersP50: 120, factor: 4 });
    // The traces' routing decisions are judged by the routing rules.
    expect(json.routing.workers).toMatchObject([{ workerId: BIG, decisions: 40, sources: ['request-trace'] }]);
    expect(json.inputs.map((i) => [i.gzip, i.lines.recognised])).toEqual([
      [false, 20],
      [true, 20],
    ]);
    // The two shards are one trace: one worker, named without the shard number and extensions
    expect(json.workers.map((w) => [w.name, w.inputs])).toEqual([['dynamo-request-trace', ['fixtures/traces/dp4-rank0-slow/dynamo-request-trace.000000.jsonl', 'fixtures/traces/dp4-rank0-slow/dynamo-request-trace.000001.jsonl.gz']]]);
    // The slow rank is a finding: 480 ms is 4× the other ranks' median p50, over 40 requests (≥ 10 per rank)
    expect(json.findings.filter((f) => f.code === 'TTFT_SKEW')).toMatchObject([
      { level: 'warn', phase: 'decode', worker: null, workerId: BIG, rank: 0, requests: 16, totalRequests: 40, ranks: 4, ttftP50: 480, othersP50: 120, ratio: 4, factor: 2 },
    ]);
    expect(json.verdict).toBe('warn');
    const table = await runCli(['fixtures/traces/dp4-rank0-slow']);
    expect(unwrap(table.stdout)).toContain(`WARN TTFT_SKEW Requests routed to DP0 of worker ${BIG} waited 4.00× longer for their first token than on the other 3 ranks (TTFT p50 480 ms vs 120 ms, decode; 16 of 40 requests; warns at 2×)`);
    const md = await runCli(['fixtures/traces/dp4-rank0-slow', '-f', 'markdown']);
    expect(md.stdout).toContain(`| decode | ${BIG} | DP0 | 16 | 40.0% | 480 | 560 | 6.0 | 16,280 |`);
    const csv = await runCli(['fixtures/traces/dp4-rank0-slow', '-f', 'csv']);
    expect(csv.stdout.split('\r\n')).toContain(`decode,${BIG},0,,0.4,16280,,,,,,6,6,,,,,request-traces,,,,,16,,480,560`);
  });

  it('TTFT_SKEW is judged per worker: a slow rank of one worker, not the ranks of two workers mixed', async () => {
    // Worker 1: four ranks at 100 ms. Worker 2: DP1 at 300 ms, its other ranks at 100, 110, 120 ms (median 110).
    const requests = (worker: number, rank: number, ttft: number, n: number): string[] =>
      Array.from({ length: n }, (_, i) => line({ decode_worker_id: worker, decode_dp_rank: rank }, { ttft_ms: ttft, request_id: `w${worker}r${rank}-${i}` }));
    const text = [
      ...[0, 1, 2, 3].flatMap((rank) => requests(1, rank, 100, 10)),
      ...requests(2, 0, 100, 10),
      ...requests(2, 1, 300, 10),
      ...requests(2, 2, 110, 10),
      ...requests(2, 3, 120, 10),
    ].join('\n');
    const { json } = await runJson(['-', '--name', 'dynamo-request-trace'], { stdin: `${text}\n` });
    expect(json.findings.filter((f) => f.code === 'TTFT_SKEW')).toEqual([
      expect.objectContaining({ workerId: '2', rank: 1, requests: 10, totalRequests: 40, ranks: 4, ttftP50: 300, othersP50: 110, ratio: 300 / 110 }),
    ]);
  });

  it('TTFT_SKEW needs enough requests and a ratio of 2: a handful of slow requests, or 1.9×, is not a finding', async () => {
    const requests = (rank: number, ttft: number, n: number): string[] =>
      Array.from({ length: n }, (_, i) => line({ decode_worker_id: 7, decode_dp_rank: rank }, { ttft_ms: ttft, request_id: `r${rank}-${i}` }));
    // 10 + 3 × 8 = 34 requests < max(20, 10 × 4): DP0's 4× is not judged
    const few = [...requests(0, 400, 10), ...[1, 2, 3].flatMap((rank) => requests(rank, 100, 8))].join('\n');
    const { json: small } = await runJson(['-', '--name', 'dynamo-request-trace'], { stdin: `${few}\n` });
    expect(small.findings.filter((f) => f.code === 'TTFT_SKEW')).toEqual([]);
    // 5 + 3 × 15 = 50 requests, but the slow rank served only 5 (< 10 per rank): not judged either
    const handful = [...requests(0, 400, 5), ...[1, 2, 3].flatMap((rank) => requests(rank, 100, 15))].join('\n');
    const { json: slowFew } = await runJson(['-', '--name', 'dynamo-request-trace'], { stdin: `${handful}\n` });
    expect(slowFew.findings.filter((f) => f.code === 'TTFT_SKEW')).toEqual([]);
    // 40 requests, DP0 at 190 ms vs 100 ms: below the factor
    const mild = [...requests(0, 190, 10), ...[1, 2, 3].flatMap((rank) => requests(rank, 100, 10))].join('\n');
    const { json: below } = await runJson(['-', '--name', 'dynamo-request-trace'], { stdin: `${mild}\n` });
    expect(below.findings.filter((f) => f.code === 'TTFT_SKEW')).toEqual([]);
    // the same at 200 ms: exactly 2×, a finding
    const twice = [...requests(0, 200, 10), ...[1, 2, 3].flatMap((rank) => requests(rank, 100, 10))].join('\n');
    const { json: at } = await runJson(['-', '--name', 'dynamo-request-trace'], { stdin: `${twice}\n` });
    expect(at.findings.filter((f) => f.code === 'TTFT_SKEW')).toMatchObject([{ rank: 0, ratio: 2, requests: 10, totalRequests: 40 }]);
  });

  it('every request on one rank of a worker: DP_RANK_PINNED through the routing rules', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => line({ decode_worker_id: 9, decode_dp_rank: 0 }, { request_id: `r${i}` })).join('\n');
    const { json } = await runJson(['-', '--name', 'dynamo-request-trace'], { stdin: `${lines}\n` });
    expect(json.findings.map((f) => `${f.level}:${f.code}`)).toEqual(['warn:DP_RANK_PINNED']);
  });
});
