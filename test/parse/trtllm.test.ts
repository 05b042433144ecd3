/** TensorRT-LLM print_iter_log lines. */
import { describe, expect, it } from 'vitest';
import { parseTrtllmLine } from '../../src/parse/trtllm.ts';
import type { BatchRecord, ParseResult } from '../../src/model/records.ts';

function batchOf(result: ParseResult): BatchRecord {
  if (result.kind !== 'record' || result.record.kind !== 'batch') throw new Error(`not a batch record: ${JSON.stringify(result)}`);
  return result.record;
}

describe('iteration lines', () => {
  it.each<[string, string, Partial<BatchRecord> & { dp?: number }]>([
    [
      'F-T2 2026 shape, body only',
      "iter = 2, global_rank = 0, rank = 0, num_scheduled_requests = 0, kv_cache_util = 0.000, currank_total_requests = 0/1, host_step_time = 4.08ms, prev_device_step_time = 243.13ms, timestamp = 2026-08-19 14:11:49, states = {'num_ctx_requests': 1, 'num_ctx_tokens': 4, 'num_generation_tokens': 0, 'cached_kv_tokens': 0}",
      { phase: 'prefill', dp: 0, newSeq: 1, newTokens: 4, running: 0, time: Date.parse('2026-08-19T14:11:49Z') },
    ],
    [
      '2026 shape with [RANK n] header and PR #16323 tail',
      "[01/16/2026-06:20:17] [TRT-LLM] [RANK 3] [I] iter = 5559, global_rank = 3, rank = 3, num_scheduled_requests = 12, kv_cache_util = 0.412, currank_total_requests = 2/9, host_step_time = 5.00ms, prev_device_step_time = 20.00ms, timestamp = 2026-01-16 06:20:17, states = {'num_ctx_requests': 2, 'num_ctx_tokens': 8192, 'num_generation_tokens': 10, 'cached_kv_tokens': 0}, num_active = 14, num_fetched = 3, num_dummy = 1, num_unscheduled = 5",
      { phase: 'prefill', dp: 3, newSeq: 2, newTokens: 8192, running: 12, queue: 5, time: Date.parse('2026-01-16T06:20:17Z') },
    ],
    [
      'early-2025 shape with MPI_Rank header, decode step',
      "[05/01/2025-10:00:00] [TRT-LLM] [MPI_Rank 1] [I] iter = 10, global_rank = 1, rank = 1, currank_total_requests = 0/0, elapsed_time = 0.02s, timestamp = 2025-05-01 10:00:00, num_scheduled_requests: 8, states = {'num_ctx_requests': 0, 'num_ctx_tokens': 0, 'num_generation_tokens': 8}",
      { phase: 'decode', dp: 1, running: 8, newTokens: undefined },
    ],
    [
      'late-2025 shape, N/A device time',
      "[10/21/2025-23:24:47] [TRT-LLM] [RANK 2] [I] iter = 1, global_rank = 2, rank = 2, currank_total_requests = 1/4, host_step_time = 3.00ms, prev_device_step_time = N/A, timestamp = 2025-10-21 23:24:47, num_scheduled_requests: 1, states = {'num_ctx_requests': 1, 'num_ctx_tokens': 77, 'num_generation_tokens': 0}",
      { phase: 'prefill', dp: 2, newTokens: 77 },
    ],
  ])('%s', (_label, line, expected) => {
    const { dp, ...rest } = expected;
    const record = batchOf(parseTrtllmLine(line));
    expect(record).toMatchObject(rest);
    if (dp !== undefined) expect(record.ranks.dp).toBe(dp);
  });

  it('idle iterations are ignored, lines without states are unparseable, other lines ignored', () => {
    expect(parseTrtllmLine("iter = 3, global_rank = 0, rank = 0, num_scheduled_requests = 0, states = {'num_ctx_requests': 0, 'num_ctx_tokens': 0, 'num_generation_tokens': 0}")).toEqual({ kind: 'ignored' });
    expect(parseTrtllmLine('iter = 3, global_rank = 0, rank = 0, num_scheduled_requests = 0, kv_cache_ut').kind).toBe('unparseable');
    expect(parseTrtllmLine('[11/13/2025-12:45:19] [TRT-LLM] [I] Using LLM with PyTorch backend')).toEqual({ kind: 'ignored' });
    expect(parseTrtllmLine('for iter = 0 in range')).toEqual({ kind: 'ignored' });
  });
});
