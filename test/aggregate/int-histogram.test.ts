import { describe, expect, it } from 'vitest';
import { IntHistogram } from '../../src/aggregate/int-histogram.ts';
import { mulberry32 } from '../helpers/random.ts';

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

  it('addCounts (counts by value) equals adding each sample, trailing zeros and values past the dense range included', () => {
    const random = mulberry32(3);
    for (let k = 0; k < 200; k++) {
      const counts = Array.from({ length: Math.floor(random() * (k % 10 === 0 ? 6000 : 60)) }, () => (random() < 0.6 ? 0 : Math.floor(random() * 9)));
      const before = Array.from({ length: Math.floor(random() * 30) }, () => Math.floor(random() * (k % 2 === 0 ? 40 : 5000)));
      const bulk = hist(...before);
      bulk.addCounts(Uint32Array.from(counts));
      const one = hist(...before);
      counts.forEach((n, v) => {
        for (let i = 0; i < n; i++) one.add(v);
      });
      expect([bulk.entries(), bulk.count, bulk.sum, bulk.max]).toEqual([one.entries(), one.count, one.sum, one.max]);
    }
  });

  it('merges exactly', () => {
    const a = hist(1, 2, 2);
    a.merge(hist(9, 0));
    expect([a.count, a.sum, a.max, a.quantile(0.5)]).toEqual([5, 14, 9, 2]);
    expect(a.mean()).toBeCloseTo(2.8, 12);
  });

  it('merges and takes quantiles as one sorted list of all samples would, odd values (negative, fractional, past the dense range) included', () => {
    const random = mulberry32(11);
    const value = (): number => {
      const r = random();
      if (r < 0.1) return -Math.floor(random() * 5) - 1;
      if (r < 0.2) return Math.floor(random() * 50) + 0.5;
      if (r < 0.3) return 4096 + Math.floor(random() * 100);
      return Math.floor(random() * 60);
    };
    for (let k = 0; k < 200; k++) {
      const left = Array.from({ length: Math.floor(random() * 40) }, value);
      const right = Array.from({ length: Math.floor(random() * 40) }, value);
      const merged = hist(...left);
      merged.merge(hist(...right));
      const all = [...left, ...right].sort((a, b) => a - b);
      expect([merged.entries(), merged.count, merged.sum, merged.max]).toEqual([hist(...all).entries(), all.length, all.reduce((x, y) => x + y, 0), all.length === 0 ? null : all[all.length - 1]]);
      for (const p of [0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 1]) expect(merged.quantile(p)).toBe(all.length === 0 ? null : all[Math.max(1, Math.ceil(p * all.length)) - 1]);
    }
  });
  it('a histogram of a few values equals one of many however it was built: samples one by one, in bulk, by value, from JSON, merged', () => {
    const random = mulberry32(29);
    for (let k = 0; k < 300; k++) {
      // Few distinct values or many, few samples or past a hundred: both ways of holding them, and the moves between.
      const spread = [3, 8, 9, 40, 5000][k % 5] ?? 3;
      const all = Array.from({ length: Math.floor(random() * (k % 3 === 0 ? 150 : 20)) }, () => Math.floor(random() * spread) - (random() < 0.05 ? 1 : 0));
      const cut = Math.floor(random() * (all.length + 1));
      const left = hist(...all.slice(0, cut));
      const byValue = new Map<number, number>();
      for (const v of all.slice(cut)) byValue.set(v, (byValue.get(v) ?? 0) + 1);
      const right = new IntHistogram();
      for (const [v, n] of byValue) right.addMany(v, n);
      const merged = IntHistogram.fromJSON(left.toJSON());
      merged.merge(right);
      const counted = new IntHistogram();
      const dense = new Uint32Array(all.reduce((m, v) => Math.max(m, v + 1), 0));
      for (const v of all) if (v >= 0) dense[v] = (dense[v] ?? 0) + 1;
      counted.addCounts(dense);
      for (const v of all) if (v < 0) counted.add(v);
      const sorted = [...all].sort((a, b) => a - b);
      const want = [hist(...sorted).entries(), all.length, all.reduce((x, y) => x + y, 0), sorted.length === 0 ? null : sorted[sorted.length - 1]];
      for (const h of [merged, counted]) {
        expect([h.entries(), h.count, h.sum, h.max]).toEqual(want);
        expect(h.toJSON()).toEqual(hist(...sorted).toJSON());
        for (const p of [0.01, 0.5, 0.95, 1]) expect(h.quantile(p)).toBe(sorted.length === 0 ? null : sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]);
      }
    }
  });
});
