/**
 * Issue: "a stray line costs at most itself". Duplicate loggers (every TP rank of a DP group, every
 * pipeline stage) are recognised by evidence — the label set carrying the rank's lines, mirrored
 * batch for batch — never by which label sorts first, and a rank is never dropped because its
 * PP0/TP0 line is missing.
 */
import { describe, expect, it } from 'vitest';
import { aggregatePhase } from '../../src/aggregate/aggregate.ts';
import { labelKey, labelsOf, mirrors, PhaseState } from '../../src/aggregate/worker-state.ts';
import type { BatchRecord } from '../../src/model/records.ts';
import { batch, layout, worker } from '../helpers/records.ts';

const T0 = Date.UTC(2026, 3, 14, 10, 0, 0);
const counts = (data: ReturnType<typeof aggregatePhase>) => Object.fromEntries((data.groups[0]?.ranks ?? []).map((r) => [r.rank, r.totals.batches]));

/** `n` timed prefill lines of one DP rank and label set, 2 s apart, with distinct token counts. */
function lines(n: number, ranks: Partial<BatchRecord['ranks']>, offsetMs = 0): BatchRecord[] {
  return Array.from({ length: n }, (_, i) => batch('prefill', ranks, { time: T0 + offsetMs + i * 2000, newTokens: 1000 + ((i * 7919) % 3000), queue: i % 5 }));
}

describe('duplicate label sets are judged by evidence', () => {
  it('one stray line with another TP label (or none) does not take a rank\'s place: it costs at most itself', () => {
    for (const stray of [{ dp: 1, tp: 0 }, { dp: 1 }, { dp: 1, tp: 1, pp: 0 }]) {
      const records = [...lines(552, { dp: 0, tp: 0 }), ...lines(552, { dp: 1, tp: 1 }), ...lines(1, stray, 777)];
      const data = aggregatePhase('prefill', [worker('w_prefill_0', records, [layout({ dpSize: 2 })])], 'rank');
      expect(counts(data)[1], JSON.stringify(stray)).toBeGreaterThanOrEqual(552);
      expect(counts(data)[1], JSON.stringify(stray)).toBeLessThanOrEqual(553);
    }
  });

  it('drops every TP copy of a batch with --enable-metrics-for-all-schedulers (the copies mirror it)', () => {
    const records = [...lines(300, { dp: 0, tp: 0 }), ...lines(300, { dp: 0, tp: 1 }), ...lines(300, { dp: 1, tp: 2 }), ...lines(300, { dp: 1, tp: 3 })];
    const data = aggregatePhase('prefill', [worker('w_prefill_0', records, [layout({ dpSize: 2 })])], 'rank');
    expect(counts(data)).toEqual({ 0: 300, 1: 300 });
    expect(data.duplicatesDropped).toBe(600);
  });

  it('keeps two workers read as one stream whose labels differ (DPi TPi and DPi TP0): their lines are not copies', () => {
    const a = [0, 1, 2, 3].flatMap((dp) => lines(200, { dp, tp: dp }));
    const b = [0, 1, 2, 3].flatMap((dp) => lines(180, { dp, tp: 0 }, 900));
    const data = aggregatePhase('prefill', [worker('stdin', [...a, ...b])], 'rank');
    expect(counts(data)).toEqual({ 0: 380, 1: 380, 2: 380, 3: 380 });
    expect(data.duplicatesDropped).toBe(0);
  });

  it('counts a rank logged only by PP1 / ATTN_CP1 (an excerpt without the PP0 lines)', () => {
    const data = aggregatePhase('decode', [worker('w_decode_0', [batch('decode', { dp: 0, pp: 1, tp: 0 }), batch('decode', { dp: 0, pp: 1, tp: 0 })])], 'rank');
    expect(counts(data)).toEqual({ 0: 2 });
    const cp = aggregatePhase('decode', [worker('w_decode_0', [batch('decode', { dp: 3, attnCp: 1 })], [layout({ dpSize: 4 })])], 'rank');
    expect(counts(cp)).toEqual({ 0: 0, 1: 0, 2: 0, 3: 1 });
  });

  it('mirrors: the same lines within 2 % in the same buckets; untimed lines by tokens and peak queue', () => {
    const state = new PhaseState();
    for (const r of [...lines(100, { dp: 0, tp: 0 }), ...lines(99, { dp: 0, tp: 1 }), ...lines(100, { dp: 0, tp: 2 }, 60_000)]) state.add(r);
    const byLabel = state.byDp.get(0);
    const own = byLabel?.get(labelKey(0, undefined, undefined) ?? -1);
    const copy = byLabel?.get(labelKey(1, undefined, undefined) ?? -1);
    const shifted = byLabel?.get(labelKey(2, undefined, undefined) ?? -1);
    if (own === undefined || copy === undefined || shifted === undefined) throw new Error('missing label sets');
    expect(mirrors(copy, own)).toBe(true);
    expect(mirrors(shifted, own)).toBe(false);
  });

  it('label keys round-trip and refuse what does not fit', () => {
    for (const [tp, pp, cp] of [[undefined, undefined, undefined], [0, 0, 0], [7, 1, undefined], [4095, 1022, 3]] as const) {
      const key = labelKey(tp, pp, cp);
      expect(key).not.toBeNull();
      expect(labelsOf(key ?? 0)).toEqual({ tp, pp, attnCp: cp });
    }
    expect(labelKey(0, 1023, 0)).toBeNull();
  });
});

describe('lines without a DP label', () => {
  it('go to DP0 only on a single-rank worker; next to labelled lines they are torn lines, counted apart', () => {
    const labelled = [0, 1, 2, 3].flatMap((dp) => lines(100, { dp, tp: dp }));
    const torn = lines(26, {});
    const data = aggregatePhase('prefill', [worker('w_prefill_0', [...labelled, ...torn])], 'rank');
    expect(counts(data)).toEqual({ 0: 100, 1: 100, 2: 100, 3: 100 });
    expect(data.unattributed).toBe(26);
    const single = aggregatePhase('prefill', [worker('single', lines(26, {}))], 'rank');
    expect(counts(single)).toEqual({ 0: 26 });
  });

  it('a trace of a rank outside the layout is unattributed, not a new rank that skews the group', () => {
    const records = [...[0, 1, 2, 3].flatMap((dp) => lines(1000, { dp, tp: dp })), ...lines(1, { dp: 57, tp: 57 })];
    const declared = aggregatePhase('prefill', [worker('w_prefill_0', records, [layout({ dpSize: 4 })])], 'rank');
    expect(Object.keys(counts(declared))).toEqual(['0', '1', '2', '3']);
    expect(declared.unattributed).toBe(1);
    const inferred = aggregatePhase('prefill', [worker('w_prefill_0', records)], 'rank');
    expect(Object.keys(counts(inferred))).toEqual(['0', '1', '2', '3']);
  });
});
