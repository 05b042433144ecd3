/**
 * Every finding code fires on a scenario of its own, so no code can stop firing without a test
 * noticing; and every code of the Finding type is in this table.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FINDING_CODES, type FindingCode } from '../../src/model/report.ts';
import { runOnChunks } from '../helpers/run-in-process.ts';

const ROOT = join(import.meta.dirname, '../..');
const at = (path: string): string => join(ROOT, path);

/** A log written for the test (hand-built lines in the documented formats). */
function written(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dpskew-codes-')), name);
  writeFileSync(file, text);
  return file;
}

const P15 = (t: string, dp: number, running: number, queue: number): string =>
  `[2026-04-14 10:${t} DP${dp} TP${dp} EP${dp}] Prefill batch, #new-seq: 1, #new-token: 2048, #cached-token: 0, token usage: 0.05, #running-req: ${running}, #queue-req: ${queue}, #prealloc-req: 0, #inflight-req: 1, input throughput (token/s): 900.00, `;

const SCENARIOS: Readonly<Record<FindingCode, () => readonly string[]>> = {
  BATCH_SKEW: () => [at('fixtures/scenarios/mild-skew-dp4.log')],
  IDLE_RANK: () => [at('fixtures/scenarios/dp8-rank7-silent.log')],
  QUEUE_SKEW: () => [at('fixtures/scenarios/queue-skew-dp4.log')],
  WORKER_SKEW: () => [at('fixtures/verdicts/one-bad-worker')],
  LAYOUT_UNKNOWN: () => [at('fixtures/verdicts/dp0-only-no-layout.log')],
  // One worker's log holding a dp_size 4 and a dp_size 8 server (a restart with another layout).
  LAYOUT_CONFLICT: () => [written('n1_prefill_w0.log', readFileSync(at('fixtures/scenarios/balanced-dp4.log'), 'utf8') + readFileSync(at('fixtures/scenarios/dp8-rank7-silent.log'), 'utf8'))],
  INSUFFICIENT_DATA: () => [at('fixtures/scenarios/small-sample-dp4.log')],
  NO_RANK_LABELS: () => [at('fixtures/scenarios/no-rank-labels-dynamo.log')],
  LOGGING_ARTIFACT: () => [at('fixtures/scenarios/legacy-dp-attention-dp0-only.log')],
  UNPARSEABLE_LINES: () => [at('fixtures/scenarios/unparseable-truncated.log')],
  NO_BATCH_LINES: () => [written('n1_prefill_w0.log', '[2026-04-14 10:00:00] INFO:     127.0.0.1:1 - "POST /generate HTTP/1.1" 200 OK\n')],
  DP_RANK_PINNED: () => [at('fixtures/dynamo/router-pinned-dp0.log')],
  DP_RANK_SENTINEL: () => [at('fixtures/dynamo/router-jsonl-sentinel.log')],
  REQUESTED_RANK_PINNED: () => [at('fixtures/requests/prefill-receive-pinned-dp0.log')],
  REQUESTS_NONE_SHARE: () => [at('fixtures/requests/prefill-receive-none.log')],
  ROUTING_EXECUTION_MISMATCH: () => [at('fixtures/dynamo/router-pinned-dp0.log'), at('examples/pr7984-after')],
  ENGINE_SKEW: () => [at('fixtures/vllm/engine-stats-skewed-dp2.log')],
  STATS_AGGREGATED: () => [at('fixtures/vllm/engines-aggregated.log')],
  STATS_LOGGING_DISABLED: () => [at('fixtures/vllm/stats-disabled.log')],
  SINGLE_RANK_LOGGING: () => [at('fixtures/trtllm/iter-log-rank0-only.log')],
  WINDOW_SKEW: () => [at('examples/pr7984-before')],
  IDLE_PERIOD: () => [at('fixtures/scenarios/balanced-total-rank2-idle-5min.log')],
  // 4,200 distinct DP labels in one worker: past the 4,096 kept, lines are counted apart.
  TOO_MANY_RANKS: () => [written('n1_prefill_w0.log', `${Array.from({ length: 4200 }, (_, dp) => P15('00:00', dp, 1, 0)).join('\n')}\n`)],
  QUEUED_WHILE_PEER_IDLE: () => [at('examples/pr7984-before')],
  // SGLang /metrics without --enable-metrics-for-all-schedulers: no dp_rank label on the scheduler's gauges.
  METRICS_WITHOUT_RANK: () => [at('fixtures/metrics/sglang-no-dp-rank.prom')],
  // Dynamo request traces: DP0's requests waited 4× longer for their first token than the other ranks'.
  TTFT_SKEW: () => [at('fixtures/traces/dp4-rank0-slow')],
  // #running-req stuck at 8 on every line with requests queued: a cap, not demand.
  RUNNING_CEILING: () => [
    written('n1_prefill_w0.log', `${Array.from({ length: 60 }, (_, i) => P15(`0${Math.floor(i / 20)}:${String(i % 20).padStart(2, '0')}`, i % 2, 8, 3)).join('\n')}\n`),
  ],
};

describe('every finding code fires on its scenario', () => {
  it('the table covers every code of the Finding type', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual([...FINDING_CODES].sort());
  });

  it.each(FINDING_CODES.map((code) => [code]))('%s', async (code) => {
    const { report } = await runOnChunks([], {}, SCENARIOS[code]());
    expect(report.findings.map((f) => f.code)).toContain(code);
  });
});
