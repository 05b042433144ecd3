import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderJson } from '../../src/render/json.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';
import { renderTable } from '../../src/render/table.ts';
import { sampleReport } from '../helpers/report.ts';

const plain = { chalk: new Chalk({ level: 0 }), width: 120, chart: false };

describe('sampleReport (the fixture of these snapshots)', () => {
  it('has the hand-checked numbers', () => {
    const report = sampleReport();
    expect(report.verdict).toBe('fail');
    expect(report.prefill.groups[0]?.ranks.map((r) => r.batches)).toEqual([60, 20, 0]);
    expect(report.prefill.balance).toBeCloseTo(80 / 3 / 60, 12);
    expect(report.findings.map((f) => f.code)).toEqual(['IDLE_RANK', 'BATCH_SKEW', 'QUEUE_SKEW', 'RUNNING_CEILING', 'UNPARSEABLE_LINES']);
  });
});

describe('renderTable', () => {
  it('renders ranks, findings, accounting and verdict without colour', () => {
    expect(renderTable(sampleReport(), plain)).toMatchInlineSnapshot(`
      "FAIL  Prefill: DP2 ran no batch while the other 2 of 3 ranks ran 80

      dpskew 0.1.0 · 2 inputs, 2 workers · 160 lines · zone-less times read as UTC

      Prefill batches by DP rank (1 worker)
                                                    ─new tokens─  ──── queue ─────  ─running─
        rank  batches  share                           sum share  max p50 p95 mean        max
        DP0        60  75.0%  ███████████████       60,000 85.7%   90   2  90 45.5          1
        DP1        20  25.0%  █████                 10,000 14.3%    1   1   1  1.0          0
        DP2         0   0.0%  ·                          0  0.0%    -   -   -    -          -
        peer balance 0.17 (batches, others' mean/max) · 0.08 (new tokens) · balance 0.44 (mean/max) · max share 75.0%
        CV 0.94 · Jain 0.53 · χ² p 6.3e-16

      Decode batches by DP rank (1 worker)
                                                    ─running─  ──── queue ─────
        rank  batches  share                        mean  max  max p50 p95 mean
        DP0        25  50.0%  ██████████             8.0    8    0   0   0  0.0
        DP1        25  50.0%  ██████████             9.0    9    0   0   0  0.0
        peer balance 1.00 (batches, others' mean/max) · balance 1.00 (mean/max) · max share 50.0% · CV 0.00 · Jain 1.00
        χ² p 1.0000

      Prefill over time (12 windows of 5 s from 2026-04-14 10:00:00Z, 12 active)
        window peer balance min 0.10 · p10 0.10 · p50 0.20 · skewed windows 0.0% · queued while a peer idled 0.0%
        worst window 10:00:10Z: peer balance 0.10, batches DP0 5 DP1 1 DP2 0

      Decode over time (12 windows of 5 s from 2026-04-14 10:00:00Z, 10 active)
        window peer balance min 0.67 · p10 0.67 · p50 0.67 · skewed windows 0.0% · queued while a peer idled 0.0%
        worst window 10:00:00Z: peer balance 0.67, batches DP0 3 DP1 2

      Findings
        FAIL IDLE_RANK
          Prefill: DP2 ran no batch while the other 2 of 3 ranks ran 80
          → An idle rank either receives no requests or its log is missing: check that every node's log is included, then the
            router's rank selection.
        FAIL BATCH_SKEW
          Prefill batches are skewed across 3 ranks: DP0 ran 75.0%, peer balance 0.17 (fail below 0.5); new tokens: DP0 ran
          85.7%, peer balance 0.08
          → Prefill ranks are chosen by the router (Dynamo PR #7984 pinned every prefill request to DP0) or by SGLang's
            balancer (--load-balance-method; in PD mode prefill follows bootstrap_room mod dp_size): check both, and explicit
            data_parallel_rank on requests.
        WARN QUEUE_SKEW
          Prefill queue on DP0 stood at 90 requests or more on 5% of its lines (p95; peak 90), ≥ 4× the other ranks' median
          p95 (0.5)
          → Requests pile up on one rank while others have room: the balancer is not following load.
        WARN RUNNING_CEILING
          Prefill: DP0 held #running-req at exactly 1 on all 50 lines where requests were queued
          → A cap, not demand: check the running-request limit (SGLang --max-running-requests, vLLM --max-num-seqs) and
            KV-cache capacity for that rank (SGLang #30294).
        INFO UNPARSEABLE_LINES
          1 line looked like batch lines but could not be parsed; first reason: prefill batch line without #queue-req
          → Torn or truncated lines from concurrent writers are normal in small numbers; many of them mean an unknown format,
            please report it.

      Lines: 160 read = 132 recognised (130 batch, 2 layout, 0 routing/stats) + 27 ignored + 1 unparseable + 0 oversized
      1 line looked like a batch line but could not be parsed; first (logs/n1_prefill_w0.out): [2026-04-14 10:00:09 DP0 TP0]
        Prefill batch, #new-seq: 1, #new-tok\\x1b[31m

      Verdict: FAIL (2 fail, 2 warn)
      "
    `);
  });

  it('uses colour only when the context says so, and never lets log text carry escapes', () => {
    const colored = renderTable(sampleReport(), { chalk: new Chalk({ level: 1 }), width: 120, chart: false });
    expect(colored).toContain('\u001b[');
    const uncolored = renderTable(sampleReport(), plain);
    expect(uncolored).not.toContain('\u001b');
    expect(uncolored).toContain('\\x1b[31m');
  });

  it('fits every line in 80 columns and keeps the share bars there', () => {
    const narrow = renderTable(sampleReport(), { ...plain, width: 80 });
    expect(narrow).toContain('█');
    const widest = Math.max(...narrow.split('\n').map((l) => l.length));
    expect(widest).toBeLessThanOrEqual(80);
  });

  it('cuts a word longer than the width into pieces that fit (a torn line of digits once looped forever)', () => {
    const report = sampleReport();
    const long = '7'.repeat(500);
    const broken = { ...report, inputs: report.inputs.map((i) => ({ ...i, unparseableExample: { line: long, reason: 'torn' } })) };
    const text = renderTable(broken, { ...plain, width: 80 });
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(text.replace(/\n\s*/g, '')).toContain(long);
  });

  it('renders one table per worker with --by worker', () => {
    const text = renderTable(sampleReport('worker'), plain);
    expect(text).toContain('Prefill batches by DP rank (worker n1_prefill_w0)');
    expect(text).toContain('Decode batches by DP rank (worker n2_decode_w0)');
  });
});

describe('renderMarkdown', () => {
  it('renders the PR-ready table without ANSI', () => {
    const text = renderMarkdown(sampleReport(), plain);
    expect(text).not.toContain('\u001b');
    expect(text).toMatchInlineSnapshot(`
      "### dpskew: FAIL — prefill peer balance 0.17

      **Prefill batch count by DP rank**

      | DP rank | Batches | Share | New tokens | Token share | Peak queue | p95 queue |
      | --- | ---: | ---: | ---: | ---: | ---: | ---: |
      | DP0 | 60 | 75.0% | 60,000 | 85.7% | 90 | 90 |
      | DP1 | 20 | 25.0% | 10,000 | 14.3% | 1 | 1 |
      | DP2 | 0 | 0.0% | 0 | 0.0% | - | - |

      Peer balance (others' mean/max): 0.17 (new tokens 0.08) · balance (mean/max): 0.44 · peak queue depth: 90 requests on DP0 · χ² p 6.3e-16

      **Decode batch count by DP rank**

      | DP rank | Batches | Share | Mean running | Peak queue | p95 queue |
      | --- | ---: | ---: | ---: | ---: | ---: |
      | DP0 | 25 | 50.0% | 8.0 | 0 | 0 |
      | DP1 | 25 | 50.0% | 9.0 | 0 | 0 |

      Peer balance (others' mean/max): 1.00 · balance (mean/max): 1.00 · peak queue depth: 0 requests on DP0 · χ² p 1.0000

      **Prefill over time** (5-s windows): window balance p10 0.40, min 0.40; skewed windows 0.0%; queued while a peer idled 0.0%

      - worst window 2026-04-14 10:00:10Z: balance 0.40 (DP0 5, DP1 1, DP2 0)

      **Decode over time** (5-s windows): window balance p10 0.83, min 0.83; skewed windows 0.0%; queued while a peer idled 0.0%

      - worst window 2026-04-14 10:00:00Z: balance 0.83 (DP0 3, DP1 2)

      **Findings**

      - **FAIL** \`IDLE_RANK\`: Prefill: DP2 ran no batch while the other 2 of 3 ranks ran 80
      - **FAIL** \`BATCH_SKEW\`: Prefill batches are skewed across 3 ranks: DP0 ran 75.0%, peer balance 0.17 (fail below 0.5); new tokens: DP0 ran 85.7%, peer balance 0.08
      - **WARN** \`QUEUE_SKEW\`: Prefill queue on DP0 stood at 90 requests or more on 5% of its lines (p95; peak 90), ≥ 4× the other ranks' median p95 (0.5)
      - **WARN** \`RUNNING_CEILING\`: Prefill: DP0 held #running-req at exactly 1 on all 50 lines where requests were queued
      - **INFO** \`UNPARSEABLE_LINES\`: 1 line looked like batch lines but could not be parsed; first reason: prefill batch line without #queue-req

      <sub>dpskew 0.1.0 · 2 inputs · 160 lines (130 batch, 1 unparseable) · thresholds: warn &lt; 0.8, fail &lt; 0.5</sub>
      "
    `);
  });
});

describe('renderJson', () => {
  it('is parseable, newline-terminated, versioned, and carries messages', () => {
    const text = renderJson(sampleReport(), plain);
    expect(text.endsWith('}\n')).toBe(true);
    const json = JSON.parse(text);
    expect(Object.keys(json)).toEqual([
      'schemaVersion', 'tool', 'verdict', 'groupBy', 'timezone', 'timeRange', 'thresholds', 'totals', 'inputs', 'skippedFiles', 'duplicateInputs', 'workers', 'prefill', 'decode', 'windows', 'engineStats', 'routing', 'requests', 'findings', 'metrics', 'assertions', 'interrupted',
    ]);
    expect(json.schemaVersion).toBe(2);
    expect(json.findings[0]).toMatchObject({ code: 'IDLE_RANK', level: 'fail', phase: 'prefill', worker: null, idleRanks: [2] });
    expect(Object.keys(json.findings[0]).slice(0, 6)).toEqual(['code', 'level', 'phase', 'worker', 'message', 'advice']);
    expect(json.prefill.groups[0].ranks[0]).toMatchObject({
      rank: 0, batches: 60, share: 0.75, newTokens: 60000, queue: { max: 90, p50: 2, p95: 90 }, firstTime: '2026-04-14T10:00:00.000Z',
    });
    expect(json.decode.groups[0].ranks[0]).toMatchObject({ newTokens: null, tokenShare: null, running: { max: 8, mean: 8 } });
  });
});
