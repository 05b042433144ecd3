import { describe, expect, it } from 'vitest';
import { parseRequestLine } from '../../src/parse/requests.ts';

const record = (line: string) => {
  const result = parseRequestLine(line);
  return result.kind === 'record' && result.record.kind === 'request' ? result.record : result;
};

describe('per-request lines', () => {
  it.each([
    [
      'SGLang Receive with None and a room',
      "[2026-04-14 10:00:00] Receive: obj=GenerateReqInput(rid='ab12', text=None, bootstrap_room=7575137351250703492, data_parallel_rank=None, stream=False)",
      { source: 'sglang-receive', requested: { kind: 'none' }, executed: undefined, bootstrapRoom: '7575137351250703492', time: Date.UTC(2026, 3, 14, 10) },
    ],
    [
      'SGLang Receive pinned to 0',
      "[2026-04-14 10:00:00] Receive: obj=GenerateReqInput(rid='ab12', data_parallel_rank=0)",
      { source: 'sglang-receive', requested: { kind: 'rank', value: 0 } },
    ],
    [
      'SGLang Finish with meta_info dp_rank inside nested dicts',
      "[2026-04-14 10:00:01] Finish: obj=GenerateReqInput(rid='ab12', data_parallel_rank=None), out={'text': '', 'meta_info': {'id': 'ab12', 'finish_reason': {'type': 'length'}, 'dp_rank': 3, 'e2e_latency': 0.1}}",
      { source: 'sglang-finish', requested: { kind: 'none' }, executed: 3 },
    ],
    ['routed_dp_rank', "[2026-04-14 10:00:00] Receive: obj=GenerateReqInput(rid='x', routed_dp_rank=2)", { requested: { kind: 'rank', value: 2 } }],
    ['handler debug print, None', '2026-04-14T10:00:00.1Z DEBUG prefill_handler.generate: New Request ID: 1dc13645-4559 dp_rank=None', { source: 'generic', requested: { kind: 'none' } }],
    ['JSON field', '{"request_id": "r-1", "dp_rank": 2}', { source: 'generic', requested: { kind: 'rank', value: 2 } }],
    ['Some(n)', 'request_id=r-9 dp_rank=Some(1)', { requested: { kind: 'rank', value: 1 } }],
    ['sentinel', 'request_id=r-9 prefill_dp_rank=4294967295', { requested: { kind: 'sentinel', raw: '4294967295' } }],
  ])('%s', (_label, line, expected) => {
    expect(record(line)).toMatchObject(expected);
  });

  it.each([
    "[2026-04-14 09:59:00] server_args=ServerArgs(dp_size=4, data_parallel_rank=None)",
    "INFO 05-26 03:09:21 [cli_args.py:300] non-default args: {'data_parallel_rank': 0}",
    'dp_rank=0 without any request on the line',
    'some_dp_rank=3 request_id=1',
  ])('%j is ignored', (line) => {
    expect(parseRequestLine(line)).toEqual({ kind: 'ignored' });
  });

  it('a malformed rank on a request line is unparseable', () => {
    expect(parseRequestLine("Receive: obj=GenerateReqInput(rid='x', data_parallel_rank=zero)").kind).toBe('unparseable');
    // The executed rank too: 20 digits were a rank of 1e20.
    const finish = (rank: string): string => `[2026-04-14 10:00:01] Finish: obj=GenerateReqInput(rid='ab12', data_parallel_rank=None), out={'meta_info': {'id': 'ab12', 'dp_rank': ${rank}}}`;
    expect(parseRequestLine(finish('3'))).toMatchObject({ kind: 'record', record: { executed: 3 } });
    expect(parseRequestLine(finish('99999999999999999999')).kind).toBe('unparseable');
  });

  it('stays cheap on a 50 KB repr', () => {
    const line = `[2026-04-14 10:00:00] Receive: obj=GenerateReqInput(rid='x', input_ids=[${'12345, '.repeat(7000)}1], data_parallel_rank=None)`;
    const started = performance.now();
    for (let i = 0; i < 200; i++) parseRequestLine(line);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(record(line)).toMatchObject({ requested: { kind: 'none' } });
  });
});
