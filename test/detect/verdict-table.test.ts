/**
 * The verdict at every rank count (issue: "every threshold means the same at any n"). Skew is judged
 * on peer balance, the other ranks' mean over the busiest rank: 0 when one rank runs everything and
 * 1 when even, at any n. The table below is the one in docs/verdict.md "How the verdict is reached".
 */
import { describe, expect, it } from 'vitest';
import { aggregatePhase } from '../../src/aggregate/aggregate.ts';
import { computeBalance } from '../../src/analyze/balance.ts';
import { detectPhase } from '../../src/analyze/detect.ts';
import { DEFAULT_THRESHOLDS } from '../../src/model/thresholds.ts';
import { decideVerdict } from '../../src/analyze/build-report.ts';
import { layout, linesPerRank, worker } from '../helpers/records.ts';

/** Batches per rank of each shape, with 1000 batches on a typical rank. */
const SHAPES = {
  /** (a) one rank runs everything */
  all: (n: number): number[] => Array.from({ length: n }, (_, r) => (r === 0 ? 1000 * n : 0)),
  /** (b) one rank runs twice its share (2/n of all batches); at n = 2 that is everything */
  double: (n: number): number[] => Array.from({ length: n }, (_, r) => (n === 2 ? (r === 0 ? 2000 : 0) : r === 0 ? Math.round((2000 * (n - 1)) / (n - 2)) : 1000)),
  /** (c) mild noise around even: ±1 %, deterministic */
  noise: (n: number): number[] => Array.from({ length: n }, (_, r) => 1000 + (((r * 37) % 21) - 10)),
  /** (d) perfectly even */
  even: (n: number): number[] => Array.from({ length: n }, () => 1000),
} as const;

function verdictOf(counts: readonly number[]): { verdict: string; codes: string[] } {
  const records = linesPerRank('prefill', counts);
  const data = aggregatePhase('prefill', [worker('n_prefill_w0', records, [layout({ dpSize: counts.length })])], 'rank');
  const judged = detectPhase(data, DEFAULT_THRESHOLDS);
  return { verdict: decideVerdict(judged.groups.map((g) => g.outcome), judged.findings), codes: judged.findings.map((f) => `${f.level}:${f.code}`) };
}

describe('the verdict at every rank count', () => {
  //        n   (a) all   (b) 2× share   (c) noise  (d) even
  const TABLE = [
    [2, 'fail', 'fail', 'ok', 'ok'],
    [3, 'fail', 'fail', 'ok', 'ok'],
    [4, 'fail', 'fail', 'ok', 'ok'],
    [8, 'fail', 'fail', 'ok', 'ok'],
    [16, 'fail', 'fail', 'ok', 'ok'],
    [64, 'fail', 'fail', 'ok', 'ok'],
  ] as const;

  it.each(TABLE)('n = %i: one rank runs everything → %s, twice its share → %s, mild noise → %s, even → %s', (n, all, double, noise, even) => {
    expect(verdictOf(SHAPES.all(n)).verdict).toBe(all);
    expect(verdictOf(SHAPES.double(n)).verdict).toBe(double);
    expect(verdictOf(SHAPES.noise(n)).verdict).toBe(noise);
    expect(verdictOf(SHAPES.even(n)).verdict).toBe(even);
  });

  it.each([2, 3, 4, 8, 16, 64, 4096])('peer balance has the same floor (0) and ceiling (1) at n = %i; mean/max does not', (n) => {
    const all = computeBalance(SHAPES.all(n).map((value, rank) => ({ rank, value })));
    const even = computeBalance(SHAPES.even(n).map((value, rank) => ({ rank, value })));
    expect(all.peerBalance).toBe(0);
    expect(even.peerBalance).toBe(1);
    expect(all.balance).toBeCloseTo(1 / n, 12);
  });

  it('twice its share is below the fail line at every n: (n − 2) / (2(n − 1)) < 0.5', () => {
    for (const n of [3, 4, 8, 16, 64, 4096]) {
      const exact = Array.from({ length: n }, (_, r) => (r === 0 ? (2000 * (n - 1)) / (n - 2) : 1000));
      const stats = computeBalance(exact.map((value, rank) => ({ rank, value })));
      expect(stats.maxShare).toBeCloseTo(2 / n, 3);
      expect(stats.peerBalance).toBeLessThan(DEFAULT_THRESHOLDS.failBalance);
    }
  });

  it('keeps the PR #7984 numbers: 6111/16/16/16 fails, 1936/1931/1923/1929 is ok', () => {
    expect(verdictOf([6111, 16, 16, 16])).toMatchObject({ verdict: 'fail', codes: ['fail:BATCH_SKEW'] });
    expect(verdictOf([1936, 1931, 1923, 1929])).toEqual({ verdict: 'ok', codes: [] });
  });

  it('DP=2 with 98.7 % on DP0 fails (mean/max could not go below 0.5 there)', () => {
    const { verdict } = verdictOf([1247, 16]);
    expect(verdict).toBe('fail');
    expect(computeBalance([1247, 16].map((value, rank) => ({ rank, value }))).balance).toBeGreaterThan(0.5);
  });
});
