import { describe, expect, it } from 'vitest';
import { aggregatePhase } from '../../src/aggregate/aggregate.ts';
import { resolveRole } from '../../src/aggregate/layout.ts';
import { batch, layout, worker } from '../helpers/records.ts';

const counts = (data: ReturnType<typeof aggregatePhase>, group = 0) =>
  Object.fromEntries((data.groups[group]?.ranks ?? []).map((r) => [r.rank, r.totals.batches]));

describe('aggregatePhase counting rules', () => {
  it('keeps the lowest TP per DP (metrics for all schedulers) and counts the rest as duplicates', () => {
    const records = [
      ...Array.from({ length: 3 }, () => batch('prefill', { dp: 0, tp: 0 })),
      ...Array.from({ length: 3 }, () => batch('prefill', { dp: 0, tp: 1 })),
      ...Array.from({ length: 2 }, () => batch('prefill', { dp: 1, tp: 2 })),
      ...Array.from({ length: 2 }, () => batch('prefill', { dp: 1, tp: 3 })),
    ];
    const data = aggregatePhase('prefill', [worker('w_prefill_0', records)], 'rank');
    expect(counts(data)).toEqual({ 0: 3, 1: 2 });
    expect(data.duplicatesDropped).toBe(5);
    expect(data.batches).toBe(5);
  });

  it('counts only PP0 and ATTN_CP0', () => {
    const records = [batch('decode', { dp: 0, pp: 0 }), batch('decode', { dp: 0, pp: 1 }), batch('decode', { dp: 0, attnCp: 1 })];
    const data = aggregatePhase('decode', [worker('w_decode_0', records)], 'rank');
    expect(counts(data)).toEqual({ 0: 1 });
    expect(data.duplicatesDropped).toBe(2);
  });

  it('lists expected ranks that never logged with zero batches', () => {
    const records = [0, 1, 2, 3, 4, 5, 6].map((dp) => batch('prefill', { dp, tp: dp }));
    const data = aggregatePhase('prefill', [worker('n_prefill_w0', records, [layout({ dpSize: 8, enableDpAttention: true })])], 'rank');
    expect(counts(data)).toEqual({ 0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 0 });
  });

  it('fills gaps below the highest rank seen when the layout is unknown', () => {
    const data = aggregatePhase('prefill', [worker('x', [batch('prefill', { dp: 0 }), batch('prefill', { dp: 3 })])], 'rank');
    expect(counts(data)).toEqual({ 0: 1, 1: 0, 2: 0, 3: 1 });
  });

  it('expects only a node\'s own ranks on a multi-node dp-attention server', () => {
    const l = layout({ dpSize: 16, nnodes: 2, nodeRank: 1, enableDpAttention: true });
    const data = aggregatePhase('decode', [worker('n1_decode_w0', [batch('decode', { dp: 9 })], [l])], 'rank');
    expect(Object.keys(counts(data)).map(Number)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it('sums ranks over workers with --by rank and keeps them apart with --by worker', () => {
    const a = worker('a_prefill_w0', [batch('prefill', { dp: 0 }), batch('prefill', { dp: 1 })], [layout({ dpSize: 2 })]);
    const b = worker('b_prefill_w1', [batch('prefill', { dp: 0 })], [layout({ dpSize: 2 })]);
    expect(counts(aggregatePhase('prefill', [a, b], 'rank'))).toEqual({ 0: 2, 1: 1 });
    const byWorker = aggregatePhase('prefill', [a, b], 'worker');
    expect(byWorker.groups.map((g) => g.worker)).toEqual(['a_prefill_w0', 'b_prefill_w1']);
    expect(counts(byWorker, 1)).toEqual({ 0: 1, 1: 0 });
  });

  it('attributes unlabeled lines to DP0 of a single-rank worker, and counts them apart when dp_size > 1', () => {
    const single = aggregatePhase('prefill', [worker('s', [batch('prefill', {}), batch('prefill', {})])], 'rank');
    expect(counts(single)).toEqual({ 0: 2 });
    expect(single.unlabeled).toEqual([{ worker: 's', lines: 2, dpSize: null, attributed: true, phaseLines: 2 }]);
    const multi = aggregatePhase('prefill', [worker('m', [batch('prefill', {})], [layout({ dpSize: 4 })])], 'rank');
    expect(multi.unattributed).toBe(1);
    expect(counts(multi)).toEqual({ 0: 0, 1: 0, 2: 0, 3: 0 });
  });

  it('treats SGLang v0.3.6 "DP-1" as no label', () => {
    const data = aggregatePhase('prefill', [worker('old', [batch('prefill', { dp: -1, tp: 0 })])], 'rank');
    expect(data.dpMinusOne).toEqual([{ worker: 'old', lines: 1 }]);
    expect(counts(data)).toEqual({ 0: 1 });
  });

  it('flags the global-TP0-only logging artefact of old versions under dp-attention', () => {
    const records = Array.from({ length: 5 }, () => batch('prefill', { dp: 0, tp: 0 }, { legacy: true }));
    const data = aggregatePhase('prefill', [worker('old', records, [layout({ dpSize: 8, enableDpAttention: true })])], 'rank');
    expect(data.groups[0]?.tp0OnlyWorkers).toEqual(['old']);
  });

  it('lets a worker take part in a phase by role or by lines, and notes silent prefill servers', () => {
    const decodeOnly = worker('n_decode_w0', [batch('decode', { dp: 0 })]);
    const silentPrefill = worker('n_prefill_w0', [], [layout({ dpSize: 4, disaggregationMode: 'prefill' })]);
    const prefill = aggregatePhase('prefill', [decodeOnly, silentPrefill], 'rank');
    expect(prefill.participants).toEqual(['n_prefill_w0']);
    expect(prefill.silentPrefillServers).toEqual(['n_prefill_w0']);
    expect(counts(prefill)).toEqual({ 0: 0, 1: 0, 2: 0, 3: 0 });
  });
});

describe('resolveRole', () => {
  it.each([
    ['gb200-n01_prefill_w0', null, 'prefill'],
    ['eos0250_decode_w0', null, 'decode'],
    ['eos0001_agg_w0', null, 'agg'],
    ['worker7', 'prefill', 'prefill'],
    ['worker7', 'null', 'agg'],
    ['stdin', null, 'unknown'],
  ])('%s (disaggregation_mode %s) → %s', (name, mode, role) => {
    expect(resolveRole(name, mode).role).toBe(role);
  });
});

describe('expected ranks from several server_args lines in one stream', () => {
  it('applies a prefill server\'s dp_size to prefill and a decode server\'s to decode', () => {
    const layouts = [layout({ dpSize: 4, disaggregationMode: 'prefill' }), layout({ dpSize: 8, disaggregationMode: 'decode' })];
    const w = worker('stdin', [batch('prefill', { dp: 0 }), batch('decode', { dp: 0 })], layouts);
    expect(w.layout.disaggregationMode).toBe('mixed');
    expect(w.role).toBe('unknown');
    expect(Object.keys(counts(aggregatePhase('prefill', [w], 'rank')))).toHaveLength(4);
    expect(Object.keys(counts(aggregatePhase('decode', [w], 'rank')))).toHaveLength(8);
  });
});
