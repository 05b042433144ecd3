/** vLLM lines. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchStats, parseVllmLine } from '../../src/parse/vllm.ts';
import type { BatchRecord, EngineStatsRecord, ParseResult } from '../../src/model/records.ts';

function recordOf<K extends 'engine-stats' | 'batch'>(result: ParseResult, kind: K): K extends 'batch' ? BatchRecord : EngineStatsRecord;
function recordOf(result: ParseResult, kind: string): unknown {
  if (result.kind !== 'record' || result.record.kind !== kind) throw new Error(`not a ${kind} record: ${JSON.stringify(result)}`);
  return result.record;
}

const T = (md: string, hms: string) => Date.parse(`2000-${md}T${hms}Z`);

describe('stats lines', () => {
  it.each<[string, string, Partial<EngineStatsRecord>]>([
    [
      'F-V3 V1 Engine 000 with APIServer prefix',
      '(APIServer pid=1) INFO 07-29 07:14:56 [loggers.py:310] Engine 000: Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 1.2 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.0%, Prefix cache hit rate: 0.0%',
      { rank: 0, running: 1, waiting: 0, promptThroughput: 0, generationThroughput: 1.2, time: T('07-29', '07:14:56') },
    ],
    [
      'F-V4 prompt throughput',
      '(APIServer pid=719) INFO 06-05 14:58:56 [loggers.py:271] Engine 000: Avg prompt throughput: 2870.5 tokens/s, Avg generation throughput: 0.8 tokens/s, Running: 10 reqs, Waiting: 0 reqs, GPU KV cache usage: 20.8%, Prefix cache hit rate: 0.0%',
      { rank: 0, running: 10, promptThroughput: 2870.5 },
    ],
    [
      'Engine 001 with Preemptions and MFU',
      'INFO 03-30 06:46:52 [loggers.py:259] Engine 001: Avg prompt throughput: 24.2 tokens/s, Avg generation throughput: 11.3 tokens/s, Running: 3 reqs, Waiting: 12 reqs, Preemptions: 2, GPU KV cache usage: 1.0%, Prefix cache hit rate: 0.0%, MFU: 1.2 TF/s/GPU 3.4 GB/s/GPU',
      { rank: 1, running: 3, waiting: 12 },
    ],
    [
      'aggregated engines (F-V5 shape)',
      '(ApiServer_0 pid=2386147) INFO 03-30 06:46:52 [loggers.py:259] 2 Engines Aggregated: Avg prompt throughput: 24.2 tokens/s, Avg generation throughput: 11.3 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.0%',
      { rank: undefined, aggregatedEngines: 2 },
    ],
    [
      'V0 engine with Pending',
      'INFO 05-26 03:09:40 [metrics.py:455] Avg prompt throughput: 120.5 tokens/s, Avg generation throughput: 33.0 tokens/s, Running: 4 reqs, Swapped: 0 reqs, Pending: 7 reqs, GPU KV cache usage: 5.1%, CPU KV cache usage: 0.0%.',
      { rank: undefined, waiting: 7, running: 4 },
    ],
    [
      'under Dynamo (ISO time, coloured)',
      '\u001b[2m2026-03-01T10:00:00.123456Z\u001b[0m \u001b[32m INFO\u001b[0m loggers.log: Engine 002: Avg prompt throughput: 1234.5 tokens/s, Avg generation throughput: 10.0 tokens/s, Running: 5 reqs, Waiting: 2 reqs, GPU KV cache usage: 1.0%, Prefix cache hit rate: 0.0%',
      { rank: 2, waiting: 2, time: Date.parse('2026-03-01T10:00:00.123Z') },
    ],
  ])('%s', (_label, line, expected) => {
    expect(recordOf(parseVllmLine(line), 'engine-stats')).toMatchObject(expected);
  });
});

describe('iteration lines', () => {
  const iteration = (proc: string, ctx: number, gen: number, dummy = false) =>
    `${proc} INFO 05-26 03:10:00 [core.py:900] Iteration(91): ${ctx} context requests, ${ctx * 512} context tokens, ${gen} generation requests, ${gen} generation tokens, iteration elapsed time: 12.34 ms${dummy ? ' (dummy)' : ''}`;

  it('a context step on EngineCore_DP1 is a prefill batch on DP1', () => {
    expect(recordOf(parseVllmLine(iteration('(EngineCore_DP1 pid=925)', 2, 3)), 'batch')).toMatchObject({
      phase: 'prefill',
      ranks: { dp: 1 },
      newSeq: 2,
      newTokens: 1024,
      prefix: 'native',
    });
  });

  it('a generation-only step is a decode batch; coloured and nested prefixes work; old EngineCore_k naming too', () => {
    expect(recordOf(parseVllmLine(iteration('\u001b[1;36m(EngineCore_DP3 pid=1)\u001b[0;0m', 0, 8)), 'batch')).toMatchObject({ phase: 'decode', ranks: { dp: 3 }, running: 8 });
    expect(recordOf(parseVllmLine(iteration('(EngineCore_DP2 pid=925) (RayWorkerProc pid=8272)', 1, 0)), 'batch').ranks.dp).toBe(2);
    expect(recordOf(parseVllmLine(iteration('(EngineCore_1 pid=2095613)', 1, 0)), 'batch').ranks.dp).toBe(1);
  });

  it('dummy steps and empty steps are ignored', () => {
    expect(parseVllmLine(iteration('(EngineCore_DP1 pid=925)', 0, 0, true))).toEqual({ kind: 'ignored' });
    expect(parseVllmLine(iteration('(EngineCore_DP1 pid=925)', 0, 0))).toEqual({ kind: 'ignored' });
  });

  it('F-V8 abbreviated lines are unparseable, not miscounted', () => {
    expect(parseVllmLine('(EngineCore_DP1 ...) Iteration(90): 0 context requests, ... 0 generation tokens, ... ms (dummy)').kind).toBe('unparseable');
  });
});

describe('non-default args (the layout of a vLLM server)', () => {
  it('reads data_parallel_size and tensor_parallel_size', () => {
    const result = parseVllmLine("INFO 05-26 03:09:21 [cli_args.py:300] non-default args: {'tensor_parallel_size': 2, 'data_parallel_size': 2}");
    expect(result).toMatchObject({ kind: 'record', record: { kind: 'layout', origin: 'engine_args', dpSize: 2, tpSize: 2, firstRank: undefined } });
  });

  it('reads the rank an external-LB API server serves (vllm PR #53743, real line)', () => {
    const line =
      "(APIServer pid=133844) INFO 08-29 02:16:04 [api_utils.py:286] non-default args: {'model_tag': '/workspace/models/Qwen3-30B-A3B', 'port': 8100, 'model': '/workspace/models/Qwen3-30B-A3B', 'dtype': 'bfloat16', 'max_model_len': 2048, 'enforce_eager': True, 'master_port': 29600, 'nnodes': 2, 'data_parallel_size': 4, 'data_parallel_rank': 0, 'data_parallel_size_local': 1, 'data_parallel_address': '127.0.0.1', 'data_parallel_rpc_port': 29550}";
    expect(parseVllmLine(line)).toMatchObject({ kind: 'record', record: { dpSize: 4, firstRank: 0, localRanks: 1 } });
  });
});

describe('numbers out of range', () => {
  it('a count past 2^53 or an infinite throughput makes the line unparseable, never Infinity in a sum or a summary', () => {
    const line = (running: string, prompt = '100.0') =>
      `(APIServer pid=1) INFO 04-14 10:00:00 [loggers.py:259] Engine 000: Avg prompt throughput: ${prompt} tokens/s, Avg generation throughput: 1.0 tokens/s, Running: ${running} reqs, Waiting: 0 reqs, GPU KV cache usage: 1.0%`;
    expect(parseVllmLine(line('4'))).toMatchObject({ kind: 'record', record: { running: 4 } });
    expect(parseVllmLine(line('9'.repeat(400)))).toEqual({ kind: 'unparseable', reason: 'vLLM stats line with a number out of range' });
    expect(parseVllmLine(line('4', '9'.repeat(400)))).toMatchObject({ kind: 'unparseable' });
  });

  it('so does a count or an engine index past 2^53 in an iteration line (each was added as 1e20)', () => {
    const big = '99999999999999999999';
    const line = (dp: string, ctx: string, tokens: string, gen: string) =>
      `(EngineCore_DP${dp} pid=100) INFO 04-14 10:00:00 [core.py:900] Iteration(1): ${ctx} context requests, ${tokens} context tokens, ${gen} generation requests, ${gen} generation tokens, iteration elapsed time: 5.10 ms`;
    expect(parseVllmLine(line('1', '2', '3', '4'))).toMatchObject({ kind: 'record', record: { newSeq: 2, newTokens: 3, ranks: { dp: 1 } } });
    for (const garbled of [line(big, '2', '3', '4'), line('1', big, '3', '4'), line('1', '2', big, '4'), line('1', '0', '0', big)]) {
      expect(parseVllmLine(garbled), garbled).toEqual({ kind: 'unparseable', reason: 'vLLM iteration line with a number out of range' });
    }
  });
});

describe('notices', () => {
  it('recognises the api_server_count warning', () => {
    const result = parseVllmLine('(APIServer pid=1) WARNING 03-30 06:29:20 [async_llm.py:150] AsyncLLM created with api_server_count more than 1; disabling stats logging to avoid incomplete stats.');
    expect(result).toMatchObject({ kind: 'record', record: { kind: 'notice', notice: 'vllm-stats-disabled' } });
  });

  it('ignores other lines', () => {
    expect(parseVllmLine("INFO 05-26 03:09:21 [api_server.py:1] non-default args: {'model': 'Qwen/Qwen3-8B', 'port': 8000}")).toEqual({ kind: 'ignored' });
  });
});

describe('matchStats', () => {
  // The stats message as one regex: what matchStats finds in two steps.
  const ONE_REGEX =
    /(?:(?:Engine (\d{1,5})|(\d+) Engines Aggregated): )?Avg prompt throughput: ([\d.]+) tokens\/s, Avg generation throughput: ([\d.]+) tokens\/s, Running: (\d+) reqs, (?:Swapped: \d+ reqs, Pending|Waiting): (\d+) reqs/;
  const STATS = 'Avg prompt throughput: 1.5 tokens/s, Avg generation throughput: 2 tokens/s, Running: 3 reqs, Waiting: 4 reqs';
  const piece = fc.oneof(
    fc.string({ maxLength: 4 }),
    fc.constantFrom(STATS, STATS.slice(0, 40), 'Avg prompt throughput: 7 tokens/s, Avg generation throughput: 0.1 tokens/s, Running: 0 reqs, Swapped: 1 reqs, Pending: 9 reqs'),
    fc.constantFrom('Engine ', 'Engines Aggregated', ' Engines Aggregated: ', ': ', ' ', '0', '12', '123456', '007', 'xEngine 3: ', '(APIServer pid=1) INFO 04-14 10:00:00 [loggers.py:259] '),
  );
  it('finds what the one regex finds, where it finds it', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (pieces) => {
        const line = pieces.join('');
        const m = ONE_REGEX.exec(line);
        const found = matchStats(line);
        expect(found === null ? null : [found.index, found.engine, found.engines, found.prompt, found.generation, found.running, found.waiting]).toEqual(m === null ? null : [m.index, ...m.slice(1)]);
      }),
      { numRuns: 3000 },
    );
  });
});
