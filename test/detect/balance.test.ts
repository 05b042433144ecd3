import { describe, expect, it } from 'vitest';
import { computeBalance } from '../../src/analyze/balance.ts';

const of = (...values: number[]) => computeBalance(values.map((value, rank) => ({ rank, value })));

describe('computeBalance', () => {
  it('is all null on an empty set or zero total, never "balanced"', () => {
    expect(of()).toMatchObject({ ranks: 0, total: 0, balance: null, maxShare: null });
    expect(of(0, 0, 0)).toMatchObject({ ranks: 3, total: 0, balance: null, maxShare: null, chiSquare: null });
  });

  it('is perfect for one rank and for constant values', () => {
    expect(of(7)).toMatchObject({ balance: 1, maxShare: 1, maxRank: 0, cv: 0, jain: 1, chiSquare: null });
    expect(of(5, 5, 5, 5)).toMatchObject({ balance: 1, maxShare: 0.25, cv: 0, jain: 1 });
  });

  // Worked values (the published formulas, computed by hand).
  it.each([
    [[890530, 3110, 3003, 2939], 0.2526, 0.9895, 1.71, 0.255],
    [[990, 0, 0, 0], 0.25, 1, 1.732, 0.25],
    [[260, 250, 245, 245], 0.9615, 0.26, 0.0245, 0.9994],
    [[400, 200, 200, 200], 0.625, 0.4, 0.3464, 0.8929],
    [[300, 100, 100, 100, 100, 100, 100, 100], 0.4167, 0.3, 0.5292, 0.7813],
  ])('%j → balance %d, max share %d, CV %d, Jain %d', (values, balance, maxShare, cv, jain) => {
    const stats = of(...values);
    expect(stats.balance).toBeCloseTo(balance, 3);
    expect(stats.maxShare).toBeCloseTo(maxShare, 3);
    expect(stats.cv).toBeCloseTo(cv, 2);
    expect(stats.jain).toBeCloseTo(jain, 3);
    expect(stats.maxRank).toBe(0);
  });

  it('counts an idle rank as zero work', () => {
    expect(of(10, 10, 10, 0)).toMatchObject({ balance: 0.75, maxShare: 10 / 30 });
  });
});
