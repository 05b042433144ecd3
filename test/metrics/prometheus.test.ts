/** The metrics-dump parsers, line by line: Prometheus text, time lines, HTTP API JSON, SGLang /v1/loads. */
import { describe, expect, it } from 'vitest';
import { looksLikeTimedScrapes, parsePrometheusLine, scrapeTime } from '../../src/parse/prometheus.ts';
import { parseMetricsJsonLine, splitJsonValues } from '../../src/parse/metrics-json.ts';
import type { MetricSample, ParseResult } from '../../src/model/records.ts';

function samplesOf(result: ParseResult): MetricSample[] {
  if (result.kind !== 'record' || result.record.kind !== 'metric-samples') throw new Error(`not samples: ${JSON.stringify(result)}`);
  return [...result.record.samples];
}

describe('Prometheus text samples', () => {
  it.each([
    // vLLM: engine = DP rank; ms timestamp
    ['vllm:num_requests_running{engine="1",model_name="qwen3_4b_pcy"} 5.0', { quantity: 'running', rank: 1, worker: '', engine: 'vllm', value: 5, time: undefined }],
    ['vllm:num_requests_waiting{engine="0",model_name="m"} 12 1779973226000', { quantity: 'waiting', rank: 0, value: 12, time: 1779973226000 }],
    // the renamed KV metric and its old name
    ['vllm:gpu_cache_usage_perc{engine="3"} 0.5', { quantity: 'kvUsage', rank: 3, metric: 'vllm:gpu_cache_usage_perc' }],
    ['vllm:kv_cache_usage_perc{engine="3"} 0.5', { quantity: 'kvUsage', rank: 3, metric: 'vllm:kv_cache_usage_perc' }],
    // counters with and without _total; re-exported with '_'
    ['vllm:prompt_tokens_total{engine="0"} 1.5e+06', { quantity: 'promptTokens', value: 1_500_000 }],
    ['vllm_prompt_tokens{engine="0"} 7', { quantity: 'promptTokens', value: 7, metric: 'vllm:prompt_tokens' }],
    // SGLang: dp_rank; tp_rank equal to it is the group itself; OpenMetrics seconds timestamp
    ['sglang:num_running_reqs{dp_rank="2",engine_type="unified",pp_rank="0",tp_rank="2"} 15 1779973226.5', { quantity: 'running', rank: 2, tp: undefined, time: 1779973226500 }],
    ['sglang_num_queue_reqs{dp_rank="2",tp_rank="5"} 3', { quantity: 'waiting', rank: 2, tp: 5 }],
    ['sglang:realtime_tokens_total{dp_rank="0",mode="prefill_compute"} 16384', { quantity: 'promptTokens', metric: 'sglang:realtime_tokens:prefill_compute' }],
    ['sglang:realtime_tokens_total{dp_rank="0",mode="decode"} 99', { quantity: 'generationTokens' }],
    // Dynamo: dp_rank with worker_id and worker_type; u64 worker ids kept as text
    ['vllm:num_requests_running{dp_rank="1",worker_id="7587890043311737930",worker_type="decode"} 4', { rank: 1, worker: 'decode:7587890043311737930' }],
    // SMG DP-aware worker address url@rank
    ['sglang_num_running_reqs{worker_addr="http://10.0.0.1:30000@3"} 2', { rank: 3, worker: 'http://10.0.0.1:30000' }],
    // TensorRT-LLM: no rank label
    ['trtllm_num_requests_running{model_name="m",engine_type="trtllm"} 9', { engine: 'trtllm', rank: undefined }],
    // escaped label values, a trailing comma, spaces
    ['vllm:num_requests_running{model_name="a\\"b,c}",engine="2",} 1', { rank: 2, value: 1 }],
    // a kubectl --timestamps prefix dates the sample
    ['2026-05-28T13:00:26.000000000Z vllm:num_requests_running{engine="0"} 3', { time: Date.UTC(2026, 4, 28, 13, 0, 26) }],
  ])('%s', (line, expected) => {
    const [sample] = samplesOf(parsePrometheusLine(line));
    expect(sample).toMatchObject(expected);
  });

  it.each([
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    '# EOF',
    'vllm:prompt_tokens_created{engine="0"} 1.7799e+09',
    'vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1"} 3',
    'process_cpu_seconds_total 12.5',
    'sglang:realtime_tokens_total{dp_rank="0",mode="prefill_cache"} 5',
    'sglang:num_running_reqs{dp_rank="0",pp_rank="1"} 15',
    'vllm:num_requests_running{engine="0"} NaN',
    '[2026-05-28 13:00:26 DP0 TP0] Prefill batch, #new-seq: 1, token usage: 0.10',
  ])('ignores %s', (line) => expect(parsePrometheusLine(line).kind).toBe('ignored'));

  it.each([
    ['vllm:num_requests_running{engine="0" 5', /labels/],
    ['vllm:num_requests_running{engine="0"}', /without a value/],
    ['vllm:num_requests_running{engine="0"} five', /not a number/],
    ['vllm:num_requests_running{engine="0"} -1', /negative/],
    ['vllm:num_requests_running{engine="0"} 1 12:00', /timestamp/],
  ])('%s is unparseable', (line, reason) => {
    const result = parsePrometheusLine(line);
    expect(result.kind).toBe('unparseable');
    if (result.kind === 'unparseable') expect(result.reason).toMatch(reason);
  });
});

describe('time lines', () => {
  it.each([
    ['2026-05-28 13:00:26', Date.UTC(2026, 4, 28, 13, 0, 26)],
    ['2026-05-28T13:00:26Z', Date.UTC(2026, 4, 28, 13, 0, 26)],
    ['# 2026-05-28 13:00:26', Date.UTC(2026, 4, 28, 13, 0, 26)],
    ['=== 2026-05-28 13:00:26 UTC ===', Date.UTC(2026, 4, 28, 13, 0, 26)],
    ['Thu May 28 13:00:26 UTC 2026', Date.UTC(2026, 4, 28, 13, 0, 26)],
    ['1779973226', 1779973226000],
  ])('%s', (line, ms) => {
    expect(scrapeTime(line)).toBe(ms);
    const result = parsePrometheusLine(line);
    expect(result.kind === 'record' && result.record.kind === 'scrape-time' ? result.record.time : null).toBe(ms);
  });

  it.each(['13:00:26', '2026-05-28 13:00:26 Prefill batch', 'vllm:num_requests_running 1', '42'])('%s is no time line', (line) => expect(scrapeTime(line)).toBeUndefined());

  it('a dump is sniffed as timed only with a sample and a time line', () => {
    expect(looksLikeTimedScrapes('2026-05-28 13:00:26\nvllm:num_requests_running{engine="0"} 27.0\n')).toBe(true);
    expect(looksLikeTimedScrapes('vllm:num_requests_running{engine="0"} 27.0\n')).toBe(false);
    expect(looksLikeTimedScrapes('2026-05-28 13:00:26\n[2026-05-28 13:00:26 DP0 TP0] Decode batch, #running-req: 1\n')).toBe(false);
  });
});

describe('metrics JSON', () => {
  it('a /api/v1/query_range matrix: every point, dated in seconds', () => {
    const line = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { __name__: 'vllm:num_requests_waiting', engine: '1' }, values: [[1779973200, '3'], [1779973215.5, '4']] }] } });
    expect(samplesOf(parseMetricsJsonLine(line))).toMatchObject([
      { quantity: 'waiting', rank: 1, value: 3, time: 1779973200000 },
      { quantity: 'waiting', rank: 1, value: 4, time: 1779973215500 },
    ]);
  });

  it('a /api/v1/query vector, two documents on one line, and an expression without a name (skipped)', () => {
    const vector = { status: 'success', data: { resultType: 'vector', result: [{ metric: { __name__: 'sglang:num_queue_reqs', dp_rank: '0' }, value: [1779973200, '7'] }, { metric: { dp_rank: '1' }, value: [1779973200, '9'] }] } };
    const line = `${JSON.stringify(vector)}${JSON.stringify(vector)}`;
    expect(samplesOf(parseMetricsJsonLine(line)).map((s) => s.value)).toEqual([7, 7]);
  });

  it('SGLang /v1/loads: per-rank running, waiting, token usage at the document time', () => {
    const line = JSON.stringify({ timestamp: '2026-07-30T10:00:00Z', version: '0.5.10', dp_rank_count: 2, loads: [{ dp_rank: 0, num_running_reqs: 0, num_waiting_reqs: 0, token_usage: 0.1 }, { dp_rank: 1, num_running_reqs: 1, num_waiting_reqs: 11 }] });
    expect(samplesOf(parseMetricsJsonLine(line)).map((s) => [s.rank, s.quantity, s.value, s.time])).toEqual([
      [0, 'running', 0, Date.UTC(2026, 6, 30, 10)],
      [0, 'waiting', 0, Date.UTC(2026, 6, 30, 10)],
      [0, 'kvUsage', 0.1, Date.UTC(2026, 6, 30, 10)],
      [1, 'running', 1, Date.UTC(2026, 6, 30, 10)],
      [1, 'waiting', 11, Date.UTC(2026, 6, 30, 10)],
    ]);
  });

  it('a document cut short is unparseable; other JSON is not ours', () => {
    expect(parseMetricsJsonLine('{"status":"success","data":{"resultType":"matrix","result":[{"metric"').kind).toBe('unparseable');
    expect(parseMetricsJsonLine('{"event":"request.finished","dp_rank":0}').kind).toBe('ignored');
  });

  it('splits concatenated documents outside strings only', () => {
    expect(splitJsonValues('{"a":"}{"} [1,[2]] x {"b":1')).toEqual(['{"a":"}{"}', '[1,[2]]', '{"b":1']);
  });
});
