/** TensorRT-LLM print_iter_log lines, and the one-match reading of printed lines against the definition. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTrtllmLine, readFields, readPrinted } from '../../src/parse/trtllm.ts';
import { stripAnsi } from '../../src/parse/envelope.ts';
import { createZone } from '../../src/parse/timestamps.ts';
import type { BatchRecord, ParseResult } from '../../src/model/records.ts';
import { benchLogText } from '../../scripts/bench-logs.mjs';
import { applyEdits, editsOf } from '../helpers/mutate.ts';

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

/** The three printed shapes (2026, late 2025, early 2025), each with and without a logger header. */
const PRINTED_LINES = [
  "iter = 2, global_rank = 0, rank = 0, num_scheduled_requests = 0, kv_cache_util = 0.000, currank_total_requests = 0/1, host_step_time = 4.08ms, prev_device_step_time = 243.13ms, timestamp = 2026-08-19 14:11:49, states = {'num_ctx_requests': 1, 'num_ctx_tokens': 4, 'num_generation_tokens': 0, 'cached_kv_tokens': 0}",
  "[01/16/2026-06:20:17] [TRT-LLM] [RANK 3] [I] iter = 5559, global_rank = 3, rank = 3, num_scheduled_requests = 12, kv_cache_util = 0.412, currank_total_requests = 2/9, host_step_time = 5.00ms, prev_device_step_time = 20.00ms, timestamp = 2026-01-16 06:20:17, states = {'num_ctx_requests': 2, 'num_ctx_tokens': 8192, 'num_generation_tokens': 10, 'cached_kv_tokens': 0}, num_active = 14, num_fetched = 3, num_dummy = 1, num_unscheduled = 5",
  "[05/01/2025-10:00:00] [TRT-LLM] [MPI_Rank 1] [I] iter = 10, global_rank = 1, rank = 1, currank_total_requests = 0/0, elapsed_time = 0.02s, timestamp = 2025-05-01 10:00:00, num_scheduled_requests: 8, states = {'num_ctx_requests': 0, 'num_ctx_tokens': 0, 'num_generation_tokens': 8}",
  "iter = 10, global_rank = 1, rank = 1, currank_total_requests = 0/0, elapsed_time = 0.02s, timestamp = 2025-05-01 10:00:00, num_scheduled_requests: 8, states = {'num_ctx_requests': 0, 'num_ctx_tokens': 0, 'num_generation_tokens': 8}",
  "[10/21/2025-23:24:47] [TRT-LLM] [RANK 2] [I] iter = 1, global_rank = 2, rank = 2, currank_total_requests = 1/4, host_step_time = 3.00ms, prev_device_step_time = N/A, timestamp = 2025-10-21 23:24:47, num_scheduled_requests: 1, states = {'num_ctx_requests': 1, 'num_ctx_tokens': 77, 'num_generation_tokens': 0}",
  "\u001b[32m[10/21/2025-23:24:47] [TRT-LLM]\u001b[0m [RANK 2] [I] iter = 1, global_rank = 2, rank = 2, currank_total_requests = 1/4, host_step_time = 3.00ms, prev_device_step_time = 1.5ms, timestamp = 2025-10-21 23:24:47, num_scheduled_requests: 1, states = {'num_ctx_requests': 1, 'num_ctx_tokens': 77, 'num_generation_tokens': 0}",
];

/** Fixture and bench lines holding `global_rank = `. */
function realLines(): string[] {
  const root = join(import.meta.dirname, '..', '..', 'fixtures', 'trtllm');
  const fixtures = readdirSync(root).flatMap((f) => readFileSync(join(root, f), 'utf8').split('\n'));
  const bench = benchLogText('trtllm', 200_000, 0).split('\n').concat(benchLogText('trtllm', 200_000, 4).split('\n'));
  return [...fixtures, ...bench].filter((l) => l.includes('global_rank = '));
}

describe('lines as TensorRT-LLM prints them, read in one match', () => {
  it('read every printed shape, and give the fields the definition gives', () => {
    const lines = [...PRINTED_LINES, ...realLines()];
    expect(lines.length).toBeGreaterThan(500);
    for (const raw of lines) {
      const line = stripAnsi(raw);
      const printed = readPrinted(line);
      expect(printed, line).not.toBeNull();
      expect(printed, line).toEqual(readFields(line));
    }
  });

  it('step aside wherever a field could be matched elsewhere in the line', () => {
    const [line = ''] = PRINTED_LINES;
    for (const before of ['for iter = 0 ', 'states = {} ', "num_scheduled_requests: 3 ", 'num_unscheduled = 4 ', 'currank_total_requests = 1/2 ']) {
      expect(readPrinted(before + line), before).toBeNull();
    }
    // `states` never closed: the definition finds no states at all.
    expect(readPrinted(line.slice(0, -1))).toBeNull();
    expect(parseTrtllmLine(line.slice(0, -1)).kind).toBe('unparseable');
  });

  it('never disagree on mutated lines', () => {
    const seeds = [...PRINTED_LINES, ...realLines().filter((_, i) => i % 1000 === 0)];
    const piece = fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.constantFrom('{', '}', "'", ',', ' ', '=', ':', '/', '0', '9', '99999999999999999999', '\u001b[1m', '[0m', 'é'),
      fc.constantFrom('iter = 1', 'global_rank = 2', ', rank = 3', 'num_scheduled_requests = 4', 'num_scheduled_requests: 5', 'num_unscheduled = 6', 'currank_total_requests = 7/8'),
      fc.constantFrom("states = {'num_ctx_requests': 9", "'num_ctx_tokens': 10", "'num_generation_tokens': 11", 'timestamp = 2026-01-02 03:04:05', '[01/02/2026-03:04:05]', '[RANK 7]', 'N/A'),
    );
    fc.assert(
      fc.property(fc.constantFrom(...seeds), editsOf(piece), (seed, edits) => {
        const line = applyEdits(seed, edits);
        const stripped = stripAnsi(line);
        const printed = readPrinted(stripped);
        return printed === null || isDeepStrictEqual(printed, readFields(stripped));
      }),
      { numRuns: 6000, seed: 7984 },
    );
  });
});

describe('logger header times', () => {
  it('lines of one second share its time, in each zone; the next second and a header elsewhere are read anew', () => {
    const line = (stamp: string, before = ''): string =>
      `${before}[${stamp}] [TRT-LLM] [RANK 0] [I] iter = 1, global_rank = 0, rank = 0, num_scheduled_requests = 2, kv_cache_util = 0.1, currank_total_requests = 1/4, host_step_time = 4.00ms, prev_device_step_time = 20.00ms, timestamp = 2000-01-01 00:00:00, states = {'num_ctx_requests': 1, 'num_ctx_tokens': 8, 'num_generation_tokens': 0}`;
    const time = (text: string, zone = createZone('UTC')): number | undefined => batchOf(parseTrtllmLine(text, zone)).time;
    const berlin = createZone('Europe/Berlin');
    expect(time(line('04/14/2026-10:00:00'))).toBe(Date.parse('2026-04-14T10:00:00Z'));
    expect(time(line('04/14/2026-10:00:00'), berlin)).toBe(Date.parse('2026-04-14T08:00:00Z'));
    expect(time(line('04/14/2026-10:00:00'))).toBe(Date.parse('2026-04-14T10:00:00Z'));
    expect(time(line('04/14/2026-10:00:01'))).toBe(Date.parse('2026-04-14T10:00:01Z'));
    expect(time(line('04/14/2026-10:00:02', '0: '))).toBe(Date.parse('2026-04-14T10:00:02Z'));
    expect(time(line('04/14/2026-10:00:01'))).toBe(Date.parse('2026-04-14T10:00:01Z'));
  });
});
