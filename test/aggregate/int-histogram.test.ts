import { describe, expect, it } from 'vitest';
import { IntHistogram } from '../../src/aggregate/int-histogram.ts';

const hist = (...values: number[]) => {
  const h = new IntHistogram();
  for (const v of values) h.add(v);
  return h;
};

describe('IntHistogram', () => {
  it('is empty-safe', () => {
    const h = hist();
    expect([h.max, h.mean(), h.quantile(0.5), h.quantile(0.95)]).toEqual([null, null, null, null]);
  });

  it.each([
    [[5], 0.5, 5],
    [[1, 2, 3, 4], 0.5, 2],
    [[1, 2, 3, 4], 0.95, 4],
    [[3, 1, 2], 0.5, 2],
    [Array.from({ length: 20 }, (_, i) => i + 1), 0.95, 19],
    [Array.from({ length: 100 }, (_, i) => i), 0.5, 49],
    [[0, 0, 0, 771], 0.95, 771],
  ])('nearest-rank quantile of %j at %d is %d', (values, p, expected) => {
    expect(hist(...values).quantile(p)).toBe(expected);
  });

  it('merges exactly', () => {
    const a = hist(1, 2, 2);
    a.merge(hist(9, 0));
    expect([a.count, a.sum, a.max, a.quantile(0.5)]).toEqual([5, 14, 9, 2]);
    expect(a.mean()).toBeCloseTo(2.8, 12);
  });
});
