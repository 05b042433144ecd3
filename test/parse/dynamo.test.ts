/** Dynamo routing lines. */
import { describe, expect, it } from 'vitest';
import { createDynamoParser, parseDpRank, parseDynamoLine } from '../../src/parse/dynamo.ts';
import type { ParseResult, RoutingRecord } from '../../src/model/records.ts';

function routingOf(result: ParseResult): RoutingRecord {
  if (result.kind !== 'record' || result.record.kind !== 'routing') throw new Error(`not a routing record: ${JSON.stringify(result)}`);
  return result.record;
}

const ID = '7587890043311737930';

describe('routing statements', () => {
  it.each<[string, string, Partial<RoutingRecord>]>([
    [
      'F-D1 old KV router `Selected worker: <id>` (no dp_rank)',
      '2025-10-09T21:40:58.162432Z  INFO dynamo_llm::kv_router::scheduler: Selected worker: 7587890043311737930, logit: 253.000, cached blocks: 0, total blocks: 2859',
      { source: 'kv-selected', workerId: ID, dpRank: undefined, time: Date.parse('2025-10-09T21:40:58.162Z') },
    ],
    [
      'new KV router, Debug-formatted u32',
      `2026-04-08T12:00:00.000001Z  INFO dynamo_kv_router::scheduling::selector: Selected worker: worker_id=${ID} dp_rank=2, logit: 81.047, cached blocks: 46, tree size: 1203, total blocks: 2859`,
      { source: 'kv-selected', workerId: ID, dpRank: { kind: 'rank', value: 2 } },
    ],
    [
      'B10 selector',
      `2026-04-08T12:00:00.000001Z  INFO dynamo_kv_router::b10: B10WorkerSelector selected worker: worker_id=${ID} dp_rank=3, logit: 1.000, effective cached blocks: 2.50`,
      { source: 'kv-selected', dpRank: { kind: 'rank', value: 3 } },
    ],
    [
      'prefill router bootstrap, None (after PR #7984)',
      `2026-05-01T08:00:00.100000Z DEBUG dynamo_llm::kv_router::prefill_router::execution: Built bootstrap_info upfront before prefill worker_id=${ID} dp_rank=None bootstrap_host=10.0.0.5 bootstrap_port=8998 bootstrap_room=3141592653589793 router_mode=RoundRobin`,
      { source: 'bootstrap', workerId: ID, dpRank: { kind: 'none' }, routerMode: 'RoundRobin', time: Date.parse('2026-05-01T08:00:00.100Z') },
    ],
    [
      'prefill router bootstrap, Some(0) (the bug), with an offset timestamp',
      `2026-05-01T10:00:00.100000+02:00 DEBUG dynamo_llm::kv_router::prefill_router::execution: Built bootstrap_info upfront before prefill worker_id=${ID} dp_rank=Some(0) bootstrap_host=10.0.0.5 bootstrap_port=8998 bootstrap_room=4 router_mode=RoundRobin`,
      { dpRank: { kind: 'rank', value: 0 }, time: Date.parse('2026-05-01T08:00:00.100Z') },
    ],
    [
      'leaked sentinel',
      `2026-05-01T08:00:00Z DEBUG dynamo_llm::kv_router::prefill_router::execution: Built bootstrap_info upfront before prefill worker_id=${ID} dp_rank=Some(4294967295) bootstrap_host=h bootstrap_port=1 bootstrap_room=2 router_mode=RoundRobin`,
      { dpRank: { kind: 'sentinel', raw: 'Some(4294967295)' } },
    ],
    [
      'pre-selected worker',
      `2026-05-01T08:00:00.1Z DEBUG dynamo_llm::kv_router::prefill_router: Using pre-selected prefill worker for bootstrap worker_id=${ID} dp_rank=Some(1)`,
      { source: 'pre-selected', dpRank: { kind: 'rank', value: 1 } },
    ],
    [
      'sticky worker',
      `2026-05-01T08:00:00.1Z DEBUG dynamo_llm::kv_router::prefill_router: Using sticky prefill worker for bootstrap worker_id=${ID} dp_rank=None`,
      { source: 'sticky', dpRank: { kind: 'none' } },
    ],
    [
      'conditional disagg',
      `2026-05-01T08:00:00.1Z  INFO dynamo_llm::kv_router::prefill_router: Conditional disagg routing to decode worker request_id=abc worker_id=${ID} dp_rank=5 net_new_tokens=10 overlap_tokens=0`,
      { source: 'conditional-disagg', dpRank: { kind: 'rank', value: 5 } },
    ],
    [
      'TRT-LLM handler (ANSI)',
      '\u001b[2m2026-05-01T08:00:00.1Z\u001b[0m \u001b[34mDEBUG\u001b[0m handler_base.generate_locally: Using dynamo router dp_rank=3 for TRTLLM attention DP scheduling',
      { source: 'trtllm-handler', workerId: undefined, dpRank: { kind: 'rank', value: 3 } },
    ],
    [
      'vLLM handler out of range',
      '2026-05-01T08:00:00.1Z ERROR handlers.generate: Received DP rank 4294967295 is out of range [0 - 4), fallback to vLLM internal DP selection',
      { source: 'vllm-out-of-range', dpRank: { kind: 'sentinel', raw: '4294967295' } },
    ],
    [
      'srun label and ESC-less ANSI',
      `0: [2m2026-05-01T08:00:00.1Z[0m [34mDEBUG[0m x: Built bootstrap_info upfront before prefill worker_id=${ID} dp_rank=Some(2) bootstrap_host=h bootstrap_port=1 bootstrap_room=2 router_mode=Random`,
      { dpRank: { kind: 'rank', value: 2 }, routerMode: 'Random' },
    ],
    [
      'JSONL, Rust-origin, fields flattened, Debug rank string, u64 worker id beyond 2^53',
      `{"time":"2026-05-01T08:00:00.100000Z","level":"DEBUG","target":"dynamo_llm::kv_router::prefill_router::execution","message":"Built bootstrap_info upfront before prefill","worker_id":${ID},"dp_rank":"Some(1)","bootstrap_host":"10.0.0.5","bootstrap_port":8998,"bootstrap_room":3141592653589793,"router_mode":"RoundRobin"}`,
      { source: 'bootstrap', workerId: ID, dpRank: { kind: 'rank', value: 1 }, routerMode: 'RoundRobin', time: Date.parse('2026-05-01T08:00:00.100Z') },
    ],
    [
      'JSONL, None',
      `{"time":"2026-05-01T08:00:00Z","level":"DEBUG","target":"t","message":"Built bootstrap_info upfront before prefill","worker_id":${ID},"dp_rank":"None","router_mode":"Random"}`,
      { dpRank: { kind: 'none' } },
    ],
    [
      'JSONL, Python-origin with the values in the message',
      '{"time":"2026-05-01T08:00:00Z","level":"DEBUG","target":"log","message":"Using dynamo router dp_rank=2 for TRTLLM attention DP scheduling","log.target":"handler_base.generate_locally"}',
      { source: 'trtllm-handler', dpRank: { kind: 'rank', value: 2 } },
    ],
  ])('%s', (_label, line, expected) => {
    expect(routingOf(parseDynamoLine(line))).toMatchObject(expected);
  });
});

describe('lines that are not decisions', () => {
  it.each([
    '2025-10-09T21:40:58.162336Z  INFO dynamo_llm::kv_router::scheduler: Formula for 7587890043311737930 with 0 cached blocks: 253.000 = 0.0 * prefill_blocks + decode_blocks = 0.0 * 127.047 + 253.000',
    '2025-09-02T15:50:01.770028Z  INFO main.init: VllmWorker for Qwen/Qwen3-0.6B has been initialized',
    '{"time":"2025-10-31T21:06:45.418584Z","level":"DEBUG","file":"/opt/dynamo/lib/llm/src/kv_router/prefill_router.rs","line":232,"target":"dynamo_llm::kv_router::prefill_router","message":"Prefill succeeded, using disaggregated params for decode"}',
    '2025-06-25T10:49:31.170Z  INFO prefill_worker.__init__: [PrefillWorker:1] Prefill must be done eagerly, setting to True',
    'value is out of range for this type',
  ])('%j is ignored', (line) => {
    expect(parseDynamoLine(line)).toEqual({ kind: 'ignored' });
  });

  it.each([
    '2026-05-01T08:00:00Z DEBUG x: Built bootstrap_info upfront before prefill worker_id=1 bootstrap_host=h',
    '2026-05-01T08:00:00Z DEBUG x: Built bootstrap_info upfront before prefill dp_rank=None bootstrap_host=h',
    '2026-05-01T08:00:00Z DEBUG x: Built bootstrap_info upfront before prefill worker_id=1 dp_rank=Some(x)',
  ])('%j is unparseable', (line) => {
    expect(parseDynamoLine(line).kind).toBe('unparseable');
  });
});

describe('the first test, before the needles', () => {
  // A needle the first test turns away would drop its statement's every line.
  it.each(createDynamoParser().needles)('a line holding only %j is looked at', (needle) => {
    expect(parseDynamoLine(`2026-05-01T08:00:00Z  INFO x: ${needle} is out of range`).kind).not.toBe('ignored');
  });
});

describe('parseDpRank', () => {
  it.each([
    ['0', { kind: 'rank', value: 0 }],
    ['Some(7)', { kind: 'rank', value: 7 }],
    ['None', { kind: 'none' }],
    ['null', { kind: 'none' }],
    ['4294967295', { kind: 'sentinel', raw: '4294967295' }],
    ['Some(4294967295)', { kind: 'sentinel', raw: 'Some(4294967295)' }],
    ['-1', null],
    ['x', null],
  ])('%s', (text, expected) => {
    expect(parseDpRank(text)).toEqual(expected);
  });
});
