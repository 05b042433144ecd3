/** Dynamo request traces (`dynamo.request.trace.v1`): records, tallies, and the report with exact numbers. */
import { describe, expect, it } from 'vitest';
import { parseDynamoTraceLine } from '../../src/parse/dynamo-trace.ts';
import { RequestTraceAccumulator } from '../../src/aggregate/request-traces.ts';
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
    const table = await runCli(['fixtures/traces/dp4-rank0-slow']);
    expect(unwrap(table.stdout)).toContain(`Requests routed to DP0 of worker ${BIG} waited 4.00× longer for their first token than on the other ranks (TTFT p50 480 ms vs 120 ms, decode)`);
    const md = await runCli(['fixtures/traces/dp4-rank0-slow', '-f', 'markdown']);
    expect(md.stdout).toContain(`| decode | ${BIG} | DP0 | 16 | 40.0% | 480 | 560 | 6.0 | 16,280 |`);
    const csv = await runCli(['fixtures/traces/dp4-rank0-slow', '-f', 'csv']);
    expect(csv.stdout.split('\r\n')).toContain(`decode,${BIG},0,,0.4,16280,,,,,,6,6,,,,,request-traces,,,,,16,,480,560`);
  });

  it('every request on one rank of a worker: DP_RANK_PINNED through the routing rules', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => line({ decode_worker_id: 9, decode_dp_rank: 0 }, { request_id: `r${i}` })).join('\n');
    const { json } = await runJson(['-', '--name', 'dynamo-request-trace'], { stdin: `${lines}\n` });
    expect(json.findings.map((f) => `${f.level}:${f.code}`)).toEqual(['warn:DP_RANK_PINNED']);
  });
});
