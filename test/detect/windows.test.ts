/** Windows at the function level: sizes, gates that mean the same at any rank count, idle periods per rank, linear time. */
import { describe, expect, it } from 'vitest';
import type { RankGroupData } from '../../src/aggregate/aggregate.ts';
import { RankAccumulator } from '../../src/aggregate/rank-accumulator.ts';
import { DEFAULT_THRESHOLDS } from '../../src/model/thresholds.ts';
import { analyzeWindows, chooseWindowMs, groupIdlePeriods, MAX_WINDOW_CELLS, MAX_ROW_CELLS, notChanceBatches } from '../../src/analyze/windows.ts';
import { batch } from '../helpers/records.ts';
import { mulberry32 } from '../helpers/random.ts';

const T0 = Date.UTC(2026, 3, 14, 10, 0, 0);

/** A merged group: `perRank(rank, second)` batches of each rank in each second of `seconds`. */
function group(ranks: number, seconds: number, perRank: (rank: number, second: number) => number, queue: (rank: number, second: number) => number = () => 0): RankGroupData {
  const rows = Array.from({ length: ranks }, (_, rank) => {
    const totals = new RankAccumulator();
    for (let s = 0; s < seconds; s++) for (let k = 0, m = perRank(rank, s); k < m; k++) totals.add(batch('prefill', { dp: rank }, { time: T0 + s * 1000, queue: queue(rank, s) }));
    return { rank, totals };
  });
  return { worker: null, ranks: rows, tp0OnlyWorkers: [], layoutUnknown: [], families: ['sglang'] };
}

describe('chooseWindowMs', () => {
  it('snaps auto sizes and rounds explicit ones up to whole 5-s buckets', () => {
    expect(chooseWindowMs(600_000, 'auto')).toBe(5000);
    expect(chooseWindowMs(3_600_000, 'auto')).toBe(15_000);
    expect(chooseWindowMs(600_000, 7000)).toBe(10_000);
  });

  it('widens windows so ranks × windows stays bounded', () => {
    const size = chooseWindowMs(7 * 86_400_000, 'auto', 4096);
    expect(((7 * 86_400_000) / size) * 4096).toBeLessThanOrEqual(MAX_WINDOW_CELLS);
  });
});

describe('gates that mean the same at any rank count', () => {
  it('notChanceBatches grows with ln(n): a zero among n Poisson ranks stays unlikely', () => {
    expect(notChanceBatches(4, 0.01)).toBeCloseTo(Math.log(400), 10);
    for (const n of [2, 4, 64, 4096]) expect(n * Math.exp(-notChanceBatches(n, 0.01))).toBeCloseTo(0.01, 10);
  });

  it.each([4, 64, 1024])('an evenly loaded run of %i ranks with Poisson noise has no idle period and no queued-while-idle windows', (n) => {
    const rand = mulberry32(n);
    // ~6 batches per rank per 5-s window, queue > 0 now and then: the old gate (5 per rank) called chance zeros idle at large n.
    const poisson = (lambda: number): number => {
      let k = 0;
      for (let p = Math.exp(-lambda), s = p, u = rand(); u > s; k++) {
        p *= lambda / (k + 1);
        s += p;
      }
      return k;
    };
    const g = group(n, 120, () => poisson(1.2), () => (rand() < 0.3 ? 1 : 0));
    const { windows, findings } = analyzeWindows([{ phase: 'prefill', group: g }], 'auto', DEFAULT_THRESHOLDS);
    expect(findings.map((f) => f.code)).not.toContain('QUEUED_WHILE_PEER_IDLE');
    expect(findings.map((f) => f.code)).not.toContain('IDLE_PERIOD');
    expect(windows?.prefill?.queuedWhilePeerIdleShare).toBeLessThanOrEqual(0.05);
  });

  it('flags a rank idle for minutes while its peers work, once per rank with its periods', () => {
    const idle = (rank: number, s: number): boolean => rank === 2 && ((s >= 60 && s < 180) || (s >= 300 && s < 390));
    const g = group(4, 480, (rank, s) => (idle(rank, s) ? 0 : 3));
    const { findings } = analyzeWindows([{ phase: 'prefill', group: g }], 'auto', DEFAULT_THRESHOLDS);
    const period = findings.find((f) => f.code === 'IDLE_PERIOD');
    expect(period).toMatchObject({ ranks: [{ rank: 2, periods: 2, totalSeconds: 210, longest: { seconds: 120 } }], moreRanks: 0 });
  });

  it('WINDOW_SKEW judges windows on peer balance, so it also fires at DP=2', () => {
    const g = group(2, 300, (rank) => (rank === 0 ? 8 : 1));
    const { findings, windows } = analyzeWindows([{ phase: 'prefill', group: g }], 'auto', DEFAULT_THRESHOLDS);
    expect(windows?.prefill?.peerBalance.p50).toBeCloseTo(0.125, 5);
    expect(findings.map((f) => f.code)).toContain('WINDOW_SKEW');
  });
});

describe('groupIdlePeriods', () => {
  it('one entry per rank, the longest period first', () => {
    const p = (rank: number, seconds: number) => ({ rank, start: 'a', end: 'b', seconds, peerBatches: 10 });
    expect(groupIdlePeriods([p(1, 60), p(3, 300), p(1, 120)])).toEqual([
      { rank: 3, periods: 1, totalSeconds: 300, longest: p(3, 300) },
      { rank: 1, periods: 2, totalSeconds: 180, longest: p(1, 120) },
    ]);
  });
});

describe('time and size', () => {
  it('4,096 ranks over an hour: linear in ranks × windows, and the JSON rows stay bounded', () => {
    const rows = Array.from({ length: 4096 }, (_, rank) => {
      const totals = new RankAccumulator();
      for (let k = 0; k < 20; k++) totals.add(batch('prefill', { dp: rank }, { time: T0 + ((rank * 7919 + k * 180_000) % 3_600_000) }));
      return { rank, totals };
    });
    const started = performance.now();
    const { windows } = analyzeWindows([{ phase: 'prefill', group: { worker: null, ranks: rows, tp0OnlyWorkers: [], layoutUnknown: [], families: [] } }], 'auto', DEFAULT_THRESHOLDS);
    expect(performance.now() - started).toBeLessThan(5000);
    const phase = windows?.prefill;
    expect((phase?.rows.length ?? 0) * 4096).toBeLessThanOrEqual(MAX_ROW_CELLS);
  });
});
