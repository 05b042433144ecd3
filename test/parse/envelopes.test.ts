/**
 * Envelopes in any combination (srun -l labels, kubectl --prefix and --timestamps, ANSI colour with
 * or without ESC) must not change what any parser reads from a line.
 */
import { describe, expect, it } from 'vitest';
import { parseDynamoLine } from '../../src/parse/dynamo.ts';
import { parseSglangLine } from '../../src/parse/sglang.ts';
import { parseTrtllmLine } from '../../src/parse/trtllm.ts';
import type { ParseResult } from '../../src/model/records.ts';
import { parseVllmLine } from '../../src/parse/vllm.ts';

const ENVELOPES: ReadonlyArray<readonly [string, (line: string) => string]> = [
  ['srun -l', (l) => `3: ${l}`],
  ['kubectl --prefix', (l) => `[pod/sglang-prefill-0/sglang] ${l}`],
  ['kubectl --timestamps', (l) => `2026-04-14T10:00:00.123456789Z ${l}`],
  ['ANSI', (l) => `\u001b[0m${l}\u001b[0m`],
  ['ESC-less ANSI', (l) => `[0m${l}[0m`],
  ['Ray actor', (l) => `(PrefillActor pid=4242, ip=10.0.0.7) ${l}`],
];

const LINES: ReadonlyArray<readonly [string, (line: string) => ParseResult, string]> = [
  ['sglang', parseSglangLine, '[2026-05-07 13:40:38 DP3 TP3 EP3] Prefill batch, #new-seq: 3, #new-token: 2048, #cached-token: 0, token usage: 0.01, #running-req: 0, #queue-req: 20, #pending-token: 19779, #bootstrap-req: 0, #inflight-req: 4, cuda graph: False, input throughput (token/s): 13313.42'],
  ['dynamo readable', parseDynamoLine, '2026-05-01T08:00:00.100000Z DEBUG dynamo_llm::kv_router::prefill_router::execution: Built bootstrap_info upfront before prefill worker_id=7587890043311737930 dp_rank=Some(2) bootstrap_host=10.0.0.5 bootstrap_port=8998 bootstrap_room=3 router_mode=RoundRobin'],
  ['dynamo jsonl', parseDynamoLine, '{"time":"2026-05-01T08:00:00.100000Z","level":"DEBUG","target":"t","message":"Built bootstrap_info upfront before prefill","worker_id":7587890043311737930,"dp_rank":"Some(1)","router_mode":"Random"}'],
  ['vllm stats', parseVllmLine, '(APIServer pid=719) INFO 06-05 14:58:56 [loggers.py:271] Engine 001: Avg prompt throughput: 2870.5 tokens/s, Avg generation throughput: 0.8 tokens/s, Running: 10 reqs, Waiting: 4 reqs, GPU KV cache usage: 20.8%, Prefix cache hit rate: 0.0%'],
  ['vllm iteration', parseVllmLine, '(EngineCore_DP1 pid=925) INFO 06-05 14:58:56 [core.py:900] Iteration(9): 2 context requests, 1024 context tokens, 0 generation requests, 0 generation tokens, iteration elapsed time: 12.00 ms'],
  ['trtllm', parseTrtllmLine, "[01/16/2026-06:20:17] [TRT-LLM] [RANK 3] [I] iter = 5559, global_rank = 3, rank = 3, num_scheduled_requests = 12, states = {'num_ctx_requests': 2, 'num_ctx_tokens': 8192, 'num_generation_tokens': 10}"],
];

describe.each(LINES)('%s', (_family, parse, line) => {
  const plain = parse(line);

  it('parses plain', () => {
    expect(plain.kind).toBe('record');
  });

  it.each(ENVELOPES)('is unchanged behind %s', (_name, wrap) => {
    expect(parse(wrap(line))).toEqual(plain);
  });

  it('is unchanged behind every envelope at once', () => {
    const all = ENVELOPES.reduceRight((l, [, wrap]) => wrap(l), line);
    expect(parse(all)).toEqual(plain);
  });
});
