import { describe, expect, it } from 'vitest';
import { aggregatePhase } from '../../src/aggregate/aggregate.ts';
import { detectPhase } from '../../src/analyze/detect.ts';
import { DEFAULT_THRESHOLDS } from '../../src/model/thresholds.ts';
import type { Phase } from '../../src/model/records.ts';
import { batch, layout, linesPerRank, worker } from '../helpers/records.ts';

function judge(phase: Phase, counts: readonly number[], options: { dpSize?: number; queues?: readonly number[] } = {}) {
  const records = linesPerRank(phase, counts).map((r) =>
    options.queues === undefined ? r : { ...r, queue: options.queues[r.ranks.dp ?? 0] ?? 0 },
  );
  const layouts = options.dpSize === undefined ? [] : [layout({ dpSize: options.dpSize })];
  const data = aggregatePhase(phase, [worker(`n_${phase}_w0`, records, layouts)], 'rank');
  const judged = detectPhase(data, DEFAULT_THRESHOLDS);
  return { outcome: judged.groups[0]?.outcome, codes: judged.findings.map((f) => `${f.level}:${f.code}`), findings: judged.findings };
}

describe('detectPhase', () => {
  it('calls a balanced run ok', () => {
    expect(judge('prefill', [50, 50, 49, 51])).toMatchObject({ outcome: 'ok', codes: [] });
  });

  it('fails the PR #7984 shape: 6111/16/16/16', () => {
    const { outcome, codes, findings } = judge('prefill', [6111, 16, 16, 16]);
    expect(outcome).toBe('fail');
    expect(codes).toContain('fail:BATCH_SKEW');
    expect(findings.find((f) => f.code === 'BATCH_SKEW')).toMatchObject({ basis: 'both', ranks: 4, batches: { maxRank: 0, level: 'fail' } });
  });

  it('warns between the thresholds (peer balance 0.6), once for batches and tokens together', () => {
    const { codes, findings } = judge('prefill', [100, 60, 60, 60]);
    expect(codes).toEqual(['warn:BATCH_SKEW']);
    expect(findings[0]).toMatchObject({ basis: 'both', threshold: 0.8, batches: { peerBalance: 0.6, balance: 0.7 }, tokens: { peerBalance: 0.6 } });
  });

  it('fails an idle rank that server_args expects', () => {
    const { outcome, codes } = judge('prefill', [25, 25, 25, 25, 25, 25, 25], { dpSize: 8 });
    expect(outcome).toBe('fail');
    expect(codes).toContain('fail:IDLE_RANK');
  });

  it('claims nothing on too few batches (7/3/5/5)', () => {
    const { outcome, findings } = judge('prefill', [7, 3, 5, 5]);
    expect(outcome).toBe('insufficient');
    expect(findings).toMatchObject([{ code: 'INSUFFICIENT_DATA', reason: 'too-few-batches', batches: 20, required: 40 }]);
  });

  it('calls a low balance that χ² cannot tell from noise insufficient', () => {
    // 14/6/10/10: balance 0.71 but p ≈ 0.39 over 40 batches
    const { outcome, findings } = judge('prefill', [14, 6, 10, 10]);
    expect(outcome).toBe('insufficient');
    expect(findings[0]).toMatchObject({ code: 'INSUFFICIENT_DATA', reason: 'not-significant' });
  });

  it('says no-batches rather than balanced when a participating phase logged nothing', () => {
    const data = aggregatePhase('decode', [worker('n_decode_w0', [], [layout({ dpSize: 2 })])], 'rank');
    const judged = detectPhase(data, DEFAULT_THRESHOLDS);
    expect(judged.groups[0]?.outcome).toBe('insufficient');
    expect(judged.findings).toMatchObject([{ code: 'INSUFFICIENT_DATA', reason: 'no-batches' }]);
  });

  it('warns on one rank\'s queue peak ≥ 4× the others\' median and ≥ 32', () => {
    const { codes, findings } = judge('prefill', [50, 50, 50, 50], { queues: [3, 5, 200, 4] });
    expect(codes).toEqual(['warn:QUEUE_SKEW']);
    expect(findings[0]).toMatchObject({ rank: 2, p95: 200, peak: 200, othersMedianP95: 4 });
  });

  it('judges the queue a rank stood at (p95), not one spike: a single line of 200 (a burst, a torn line) is no skew', () => {
    const records = linesPerRank('prefill', [50, 50, 50, 50]).map((r, i) => ({ ...r, queue: i === 110 ? 200 : 3 }));
    const judged = detectPhase(aggregatePhase('prefill', [worker('p', records)], 'rank'), DEFAULT_THRESHOLDS);
    expect(judged.findings.map((f) => f.code)).toEqual([]);
  });

  it('does not call a small queue peak skewed', () => {
    expect(judge('prefill', [50, 50, 50, 50], { queues: [1, 1, 31, 1] }).codes).toEqual([]);
  });

  it('flags token skew when batch counts are even but new tokens are not', () => {
    const records = [0, 1, 2, 3].flatMap((dp) =>
      Array.from({ length: 50 }, () => batch('prefill', { dp }, { newTokens: dp === 0 ? 8192 : 1024 })),
    );
    const judged = detectPhase(aggregatePhase('prefill', [worker('p', records)], 'rank'), DEFAULT_THRESHOLDS);
    expect(judged.findings.map((f) => `${f.level}:${f.code}`)).toEqual(['fail:BATCH_SKEW']);
    expect(judged.findings[0]).toMatchObject({ basis: 'tokens', batches: { level: null, peerBalance: 1 }, tokens: { level: 'fail', maxRank: 0 } });
  });

  it('draws no skew verdict from the old TP0-only logging artefact', () => {
    const records = Array.from({ length: 200 }, () => batch('prefill', { dp: 0, tp: 0 }, { legacy: true }));
    const data = aggregatePhase('prefill', [worker('old', records, [layout({ dpSize: 8, enableDpAttention: true })])], 'rank');
    const judged = detectPhase(data, DEFAULT_THRESHOLDS);
    expect(judged.groups[0]?.outcome).toBe('warn');
    expect(judged.findings.map((f) => f.code)).toEqual(['LOGGING_ARTIFACT']);
  });

  it('reports unlabeled lines of a multi-rank worker', () => {
    const data = aggregatePhase('prefill', [worker('dyn', [batch('prefill', {})], [layout({ dpSize: 4 })])], 'rank');
    const judged = detectPhase(data, DEFAULT_THRESHOLDS);
    expect(judged.findings).toContainEqual(expect.objectContaining({ code: 'NO_RANK_LABELS', level: 'warn', lines: 1, dpSize: 4 }));
  });
});
