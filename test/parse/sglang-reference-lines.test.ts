/**
 * Real SGLang lines as released, named by format family (F…) and prefill shape (P…), and lines
 * built from a release's exact format string where no real line of it was at hand (every
 * documented shape is in fixtures/reference-lines, which the kernel test reads).
 */
import { describe, expect, it } from 'vitest';
import { parseSglangLine } from '../../src/parse/sglang.ts';
import type { BatchRecord, LayoutRecord, ParseResult } from '../../src/model/records.ts';

function batchOf(result: ParseResult): BatchRecord {
  if (result.kind !== 'record' || result.record.kind !== 'batch') throw new Error(`not a batch record: ${JSON.stringify(result)}`);
  return result.record;
}

function layoutOf(result: ParseResult): LayoutRecord {
  if (result.kind !== 'record' || result.record.kind !== 'layout') throw new Error(`not a layout record: ${JSON.stringify(result)}`);
  return result.record;
}

const t = (iso: string) => Date.parse(`${iso}Z`);

type Expect = Partial<Omit<BatchRecord, 'ranks'>> & { ranks?: Partial<BatchRecord['ranks']> };

describe('real lines', () => {
  it.each<[string, string, Expect]>([
    [
      'F2 P15 prefill, hybrid mamba usage',
      '[2026-05-07 06:17:16 DP1 TP1 EP1] Prefill batch, #new-seq: 1, #new-token: 832, #cached-token: 0, full token usage: 0.00, mamba usage: 0.06, #running-req: 0, #queue-req: 0, #pending-token: 0, #bootstrap-req: 0, #inflight-req: 1, cuda graph: False, input throughput (token/s): 10.61',
      { phase: 'prefill', time: t('2026-05-07T06:17:16'), ranks: { dp: 1, tp: 1, ep: 1 }, newSeq: 1, newTokens: 832, cachedTokens: 0, running: 0, queue: 0, bootstrapQueue: 0, inflight: 1, legacy: false, prefix: 'native' },
    ],
    [
      'F2 P15 prefill with a queue',
      '[2026-05-07 13:40:38 DP3 TP3 EP3] Prefill batch, #new-seq: 3, #new-token: 2048, #cached-token: 0, token usage: 0.01, #running-req: 0, #queue-req: 20, #pending-token: 19779, #bootstrap-req: 0, #inflight-req: 4, cuda graph: False, input throughput (token/s): 13313.42',
      { ranks: { dp: 3 }, newTokens: 2048, queue: 20, inflight: 4 },
    ],
    [
      'F2 D13 decode (disagg decode fields)',
      '[2026-05-07 13:40:42 DP2 TP2 EP2] Decode batch, #running-req: 11, #token: 10385, token usage: 0.01, pre-allocated usage: 0.00, #prealloc-req: 0, #transfer-req: 0, #retracted-req: 0, cuda graph: True, gen throughput (token/s): 1111.11, #queue-req: 0',
      { phase: 'decode', ranks: { dp: 2, tp: 2, ep: 2 }, running: 11, queue: 0, newTokens: undefined, legacy: false },
    ],
    [
      'F4 plain DP, TP restarts per replica, npu graph',
      '[2026-03-10 11:58:59 DP1 TP0] Prefill batch, #new-seq: 4, #new-token: 14208, #cached-token: 0, token usage: 0.70, #running-req: 95, #queue-req: 0, input throughput (token/s): 10181.57, npu graph: False',
      { ranks: { dp: 1, tp: 0, ep: undefined }, newSeq: 4, newTokens: 14208, running: 95, queue: 0 },
    ],
    [
      'F4 decode with speculative accept rate',
      '[2026-03-10 11:59:00 DP0 TP0] Decode batch, #running-req: 96, #token: 398976, token usage: 0.68, accept len: 2.67, accept rate: 0.67, npu graph: False, gen throughput (token/s): 1609.20, #queue-req: 5',
      { phase: 'decode', ranks: { dp: 0 }, running: 96, queue: 5 },
    ],
    [
      'F5 D7 decode, `Decode batch.` with cuda graph (not legacy)',
      '[2025-05-31 18:31:21 DP6 TP6] Decode batch. #running-req: 8, #token: 36267, token usage: 0.12, accept len: 2.86, cuda graph: True, gen throughput (token/s): 168.28, #queue-req: 0',
      { phase: 'decode', ranks: { dp: 6, tp: 6 }, running: 8, queue: 0, legacy: false },
    ],
    [
      'F7 custom format without ranks',
      '[2026-04-15 17:13:10][scheduler_metrics_mixin.py:424][INFO]: Prefill batch, #new-seq: 1, #new-token: 1, #cached-token: 0, token usage: 0.00, #running-req: 0, #queue-req: 0, #prealloc-req: 18, #inflight-req: 1, cuda graph: False, input throughput (token/s): 2.49',
      { ranks: { dp: undefined, tp: undefined }, prefix: 'none', time: t('2026-04-15T17:13:10'), bootstrapQueue: 18, inflight: 1 },
    ],
    [
      'F10 junk path glued before the bracket, decode with SWA tokens',
      '@c:\\Users\\yiming\\Downloads\\deepseek-v4-flash-0731-sglang-5qy5f_2026-08-23_20-05-04.txt [2026-08-23 09:05:37 TP0 EP0] Decode batch, #running-req: 1, #full token: 165376, full token usage: 0.02, #swa token: 768, swa token usage: 0.00, accept len: 5.30, accept rate: 0.86, cuda graph: True, gen throughput (token/s): 167.04, #queue-req: 0',
      { phase: 'decode', ranks: { dp: undefined, tp: 0, ep: 0 }, prefix: 'native', running: 1, queue: 0, time: t('2026-08-23T09:05:37') },
    ],
    [
      'F10 chunked prefill with #pending-token, v0.5.18',
      '[2026-08-23 09:06:04 TP0 EP0] Prefill batch, #new-seq: 1, #new-token: 8192, #cached-token: 0, full token usage: 0.00, swa token usage: 0.01, #running-req: 0, #queue-req: 0, #pending-token: 157704, cuda graph: False, input throughput (token/s): 824.28',
      { newTokens: 8192, queue: 0, ranks: { tp: 0, ep: 0 } },
    ],
    [
      'F13 no prefix, decode with trailing ", "',
      '[2025-11-11 04:06:27] Decode batch, #running-req: 46, #token: 34901, token usage: 0.19, cuda graph: False, gen throughput (token/s): 1447.08, #queue-req: 0, ',
      { phase: 'decode', ranks: { dp: undefined, tp: undefined }, prefix: 'native', running: 46, queue: 0 },
    ],
    [
      'F13 no prefix, P13 prefill (graph before throughput)',
      '[2026-04-05 20:02:51] Prefill batch, #new-seq: 1, #new-token: 158, #cached-token: 0, token usage: 0.08, #running-req: 31, #queue-req: 0, cuda graph: True, input throughput (token/s): 559.53',
      { newTokens: 158, running: 31, queue: 0, time: t('2026-04-05T20:02:51') },
    ],
    [
      'dsight fixture: ms, iteration tag, #bootstrap-req, #optimistic-req',
      '[2026-09-24 01:47:50.615 DP3 TP3 EP3] Prefill batch [1], #new-seq: 1, #new-token: 64, #cached-token: 0, token usage: 0.00, #running-req: 0, #queue-req: 0, #pending-token: 0, #bootstrap-req: 0, #inflight-req: 1, #optimistic-req: 0, cuda graph: False, input throughput (token/s): 7.29',
      { ranks: { dp: 3 }, time: Date.parse('2026-09-24T01:47:50.615Z'), newTokens: 64, inflight: 1 },
    ],
    [
      'docs v0.4.x P1 prefill with cache hit rate (legacy)',
      '[2025-02-17 05:27:25 TP0] Prefill batch. #new-seq: 1, #new-token: 7, #cached-token: 0, cache hit rate: 0.00%, token usage: 0.00, #running-req: 0, #queue-req: 0',
      { ranks: { tp: 0, dp: undefined }, newTokens: 7, legacy: true },
    ],
    [
      'F-S4 DP31 P8 prefill with trailing comma and no space',
      '[2025-11-04 05:31:43 DP0 TP0 EP0] Prefill batch, #new-seq: 18, #new-token: 16384, #cached-token: 0, token usage: 0.00, #running-req: 0, #queue-req: 0, #prealloc-req: 0, #inflight-req: 0, input throughput (token/s): 0.00,',
      { ranks: { dp: 0 }, newSeq: 18, newTokens: 16384, queue: 0 },
    ],
    [
      'F14 Dynamo-formatted (ANSI without ESC, srun label, ISO time)',
      '0: [2m2026-04-27T23:03:15.250907Z[0m [32m INFO[0m Prefill batch, #new-seq: 1, #new-token: 256, #cached-token: 0, full token usage: 0.00, #running-req: 0, #queue-req: 0, #prealloc-req: 0, #inflight-req: 0, input throughput (token/s): 0.00,',
      { prefix: 'none', ranks: { dp: undefined }, time: Date.parse('2026-04-27T23:03:15.250Z'), newTokens: 256 },
    ],
    [
      'Dynamo-formatted with real ESC bytes',
      '\u001b[2m2026-04-27T23:03:15.250907Z\u001b[0m \u001b[32m INFO\u001b[0m \u001b[2mscheduler.log_prefill_stats\u001b[0m\u001b[2m:\u001b[0m Prefill batch, #new-seq: 1, #new-token: 256, #cached-token: 0, full token usage: 0.00, #running-req: 0, #queue-req: 3, #prealloc-req: 0, #inflight-req: 0, input throughput (token/s): 0.00,',
      { prefix: 'none', queue: 3 },
    ],
  ])('%s', (_label, line, expected) => {
    const { ranks, ...rest } = expected;
    const record = batchOf(parseSglangLine(line));
    expect(record).toMatchObject(rest);
    if (ranks !== undefined) expect(record.ranks).toMatchObject(ranks);
  });
});

describe('constructed lines for every release shape', () => {
  const prefix = '[2025-06-16 10:00:00 DP2 TP2]';
  it.each<[string, string, Expect]>([
    ['P0 v0.3 mixed chunk', '[10:00:00 TP0] Prefill batch(mixed #running-req: 7). #new-seq: 1, #new-token: 12, #cached-token: 0, cache hit rate: 0.00%, token usage: 0.01, #queue-req: 2', { running: 7, queue: 2, legacy: true, time: undefined, ranks: { tp: 0 } }],
    ['P2 trailing ", "', `${prefix} Prefill batch. #new-seq: 2, #new-token: 10, #cached-token: 1, token usage: 0.10, #running-req: 3, #queue-req: 4, `, { newSeq: 2, queue: 4, running: 3, legacy: false }],
    ['P3 disagg prefill, trailing space', `${prefix} Prefill batch. #new-seq: 1, #new-token: 10, #cached-token: 0, token usage: 0.10, #running-req: 0, #unbootstrapped-req: 5, #queue-req: 6, #transferring-req: 7 `, { bootstrapQueue: 5, queue: 6, inflight: 7 }],
    ['P4 time field', `${prefix} Prefill batch. #new-seq: 1, #new-token: 10, #cached-token: 0, token usage: 0.10, #running-req: 0, #unbootstrapped-req: 1, #queue-req: 2, #transferring-req: 3, time: 0.12 `, { queue: 2, inflight: 3 }],
    ['P5 no #running-req', `${prefix} Prefill batch. #new-seq: 1, #new-token: 10, #cached-token: 0, token usage: 0.10, #unbootstrapped-req: 1, #queue-req: 2, #transferring-req: 3, input throughput (token/s): 1.00 `, { running: undefined, queue: 2 }],
    ['P6 v0.4.9 SWA usage chunk with unkeyed segments', `${prefix} Prefill batch. #new-seq: 1, #new-token: 10, #cached-token: 0, #token: full=100, swa=20, token usage: full=0.10, swa=0.20, #running-req: 1, #queue-req: 2`, { running: 1, queue: 2, newTokens: 10 }],
    ['P7 timestamp tail', `${prefix} Prefill batch. #new-seq: 1, #new-token: 10, #cached-token: 0, #token: 5, token usage: 0.10, #running-req: 1, #queue-req: 9, timestamp: 2025-07-09T12:34:56.789012`, { queue: 9 }],
    ['P9 prealloc/inflight', `${prefix} Prefill batch, #new-seq: 1, #new-token: 10, #cached-token: 0, token usage: 0.10, #running-req: 1, #queue-req: 2, #prealloc-req: 3, #inflight-req: 4, `, { bootstrapQueue: 3, inflight: 4 }],
    ['P10 v0.5.4 iteration tag', `${prefix} Prefill batch [42], #new-seq: 1, #new-token: 10, #cached-token: 0, token usage: 0.10, #running-req: 1, #queue-req: 2, `, { queue: 2 }],
    ['P14 fwd occupancy tail', `${prefix} Prefill batch, #new-seq: 1, #new-token: 10, #cached-token: 0, token usage: 0.10, #running-req: 1, #queue-req: 2, #pending-token: 0, cuda graph: False, input throughput (token/s): 1.00, fwd occupancy: 93.10%`, { queue: 2 }],
    ['D1 legacy decode', `${prefix} Decode batch. #running-req: 5, #token: 100, token usage: 0.10, gen throughput (token/s): 10.00, #queue-req: 1`, { phase: 'decode', running: 5, queue: 1, legacy: true }],
    ['D3 largest-len', `${prefix} Decode batch. #running-req: 5, #token: 100, token usage: 0.10, gen throughput (token/s): 10.00, largest-len: 7, #queue-req: 1, `, { legacy: false, queue: 1 }],
    ['D11 iteration tag', `${prefix} Decode batch [7], #running-req: 5, #token: 100, token usage: 0.10, cuda graph: True, gen throughput (token/s): 10.00, #queue-req: 1, `, { phase: 'decode', queue: 1 }],
    ['D13 HiSparse tokens and TFLOPS tail', `${prefix} Decode batch, #running-req: 5, #gpu token: 1, gpu token usage: 0.10, #cpu token: 2, cpu token usage: 0.20, cuda graph: True, gen throughput (token/s): 10.00, #queue-req: 1, est. decode TFLOPS/s (per GPU): 1.00, est. read BW (GB/s per GPU): 2.00`, { running: 5, queue: 1 }],
    ['D14 #cached-token in decode', `${prefix} Decode batch, #running-req: 5, #cached-token: 3, #token: 100, token usage: 0.10, cuda graph: True, gen throughput (token/s): 10.00, #queue-req: 1`, { cachedTokens: 3, queue: 1 }],
  ])('%s', (_label, line, expected) => {
    const { ranks, ...rest } = expected;
    const record = batchOf(parseSglangLine(line));
    expect(record).toMatchObject(rest);
    if (ranks !== undefined) expect(record.ranks).toMatchObject(ranks);
  });
});

describe('rank prefixes', () => {
  const body = 'Prefill batch, #new-seq: 1, #new-token: 1, #cached-token: 0, token usage: 0.00, #running-req: 0, #queue-req: 0';
  it.each<[string, Partial<BatchRecord['ranks']>, BatchRecord['prefix']]>([
    ['[2024-11-22 10:00:00 DP-1 TP0]', { dp: -1, tp: 0 }, 'native'],
    ['[2026-05-19 00:32:50 PP1]', { dp: undefined, pp: 1 }, 'native'],
    ['[2025-10-15 14:44:32 DP14 TP14 EP14 PP0]', { dp: 14, tp: 14, ep: 14, pp: 0 }, 'native'],
    ['[2026-03-01 00:00:00 DP5 PP1 ATTN_CP1 MOE_DP2 TP21 EP21]', { dp: 5, pp: 1, attnCp: 1, moeDp: 2, tp: 21, ep: 21 }, 'native'],
    ['[2026-05-10 12:00:11.896 DP1 TP1 EP1]', { dp: 1, tp: 1, ep: 1 }, 'native'],
    ['[DP3 TP3 EP3 2026-04-15 17:13:10][scheduler.py:424][INFO]:', { dp: 3, tp: 3, ep: 3 }, 'custom'],
    ['[2026-04-15 17:13:10 MOE_DP1 DP2][x.py:1][INFO]:', { dp: 2, moeDp: 1 }, 'custom'],
    ['(TaskRunner pid=3483799, ip=10.0.0.1) [2026-03-12 11:50:36 DP1 TP1]', { dp: 1, tp: 1 }, 'native'],
    ['12: [2026-03-12 11:50:36 DP7 TP7]', { dp: 7 }, 'native'],
    ['Capturing batches (bs=8 avail_mem=1.2 GB): 100%|██████████| 8/8 [00:02<00:00]\r[2026-03-12 11:50:36 DP4 TP4]', { dp: 4 }, 'native'],
  ])('%s', (prefix, ranks, kind) => {
    const record = batchOf(parseSglangLine(`${prefix} ${body}`));
    expect(record.ranks).toMatchObject(ranks);
    expect(record.prefix).toBe(kind);
  });

  it('reads milliseconds and rejects impossible dates', () => {
    expect(batchOf(parseSglangLine(`[2026-05-10 12:00:11.896 DP1] ${body}`)).time).toBe(Date.parse('2026-05-10T12:00:11.896Z'));
    expect(batchOf(parseSglangLine(`[2026-02-30 12:00:11 DP1] ${body}`)).time).toBeUndefined();
  });
});

describe('lines that are not batch lines, or broken ones', () => {
  it.each([
    "[DEBUG] prefill batch: ['5501e53c58974e86bc717219b0a6315c']",
    '[2025-12-31 18:01:40 DP2 TP2 EP2] Prefill DP rank registration stats: 0.000962s',
    '[2025-01-29 19:50:52 TP0] max_total_num_tokens=480406, chunked_prefill_size=8192, max_prefill_tokens=16384',
    '[2026-01-01 00:00:00 DP0 TP0] Scheduler hit an exception in Decode batch processing',
    'server_args= something else',
    '',
  ])('%j is ignored', (line) => {
    expect(parseSglangLine(line)).toEqual({ kind: 'ignored' });
  });

  it.each([
    ['[2026-05-07 13:40:38 DP0 TP0 EP0] Prefill batch, #new-seq: 3, #new-token: 2048, #cached-tok', /without #queue-req/],
    ['[2026-05-07 13:40:38 DP0 TP0 EP0] Decode batch, #running-req: 8, #token: 7198, tok', /without #queue-req/],
    ['[2026-05-07 13:40:38 DP0 TP0 EP0] Prefill batch, #new-seq: 3, #new-token: 2048, #queue-req: 1[2026-05-07 13:40:38 DP1 TP1', /malformed #queue-req/],
    ['[2026-05-07 13:40:38 DP0] Prefill batch, #new-seq: 3, #queue-req: 2', /without #new-token/],
  ])('%j is unparseable', (line, reason) => {
    const result = parseSglangLine(line);
    expect(result.kind).toBe('unparseable');
    if (result.kind === 'unparseable') expect(result.reason).toMatch(reason);
  });

  it('never throws on garbage', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = 'Prefill batch Decode, #queue-req: 12[]DP-TP0\u001b[m:.\u0000\uFFFD server_args=ServerArgs(dp_size=';
    for (let i = 0; i < 2000; i++) {
      const line = Array.from({ length: Math.floor(rand() * 200) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      expect(() => parseSglangLine(line)).not.toThrow();
    }
  });
});

describe('server_args layout lines', () => {
  it('reads the real docs example', () => {
    const line =
      "[2025-03-16 09:55:55] server_args=ServerArgs(model_path='meta-llama/Meta-Llama-3.1-8B-Instruct', tokenizer_path='meta-llama/Meta-Llama-3.1-8B-Instruct', tokenizer_mode='auto', skip_tokenizer_init=False, load_format='auto', trust_remote_code=False, dtype='auto', kv_cache_dtype='auto', quantization=None, quantization_param_path=None, context_length=None, device='cuda', served_model_name='meta-llama/Meta-Llama-3.1-8B-Instruct', chat_template=None, is_embedding=False, revision=None, host='0.0.0.0', port=37300, mem_fraction_static=0.88, max_running_requests=200, max_total_tokens=20480, chunked_prefill_size=8192, max_prefill_tokens=16384, schedule_policy='fcfs', schedule_conservativeness=1.0, cpu_offload_gb=0, page_size=1, tp_size=1, stream_interval=1, stream_output=False, random_seed=162573626, ...";
    expect(layoutOf(parseSglangLine(line))).toMatchObject({ tpSize: 1, dpSize: undefined, enableDpAttention: undefined });
  });

  it('reads sizes with word boundaries (moe_dp_size is not dp_size)', () => {
    const line =
      "[2026-04-14 09:59:00] server_args=ServerArgs(model_path='deepseek-ai/DeepSeek-R1', tp_size=8, pp_size=1, moe_dp_size=2, attn_tp_size=1, dp_size=8, ep_size=8, nnodes=2, node_rank=1, enable_dp_attention=True, disaggregation_mode='prefill', load_balance_method='round_robin')";
    expect(layoutOf(parseSglangLine(line))).toEqual({
      kind: 'layout',
      origin: 'server_args',
      firstRank: undefined,
      localRanks: undefined,
      dpSize: 8,
      tpSize: 8,
      ppSize: 1,
      epSize: 8,
      nnodes: 2,
      nodeRank: 1,
      enableDpAttention: true,
      disaggregationMode: 'prefill',
    });
  });
});
