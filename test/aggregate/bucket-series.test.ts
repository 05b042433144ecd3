/**
 * BucketSeries against a plain Map of 5-s buckets: the same contents at the series' width (buckets
 * merged into the wider one that holds them), in order, whatever the arrival order, outliers and
 * merges, and never more bytes than its budget.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUCKET_BUDGET_BYTES, BUCKET_WIDTHS, BucketSeries, bucketWidthAtLeast, commonBucketWidth, nextBucketWidth, type Bucket } from '../../src/aggregate/bucket-series.ts';

type Add = readonly [number, number, number, number];

/** The adds as 5-s buckets, then merged at `width`: [start index, bucket] in index order. */
function reference(adds: readonly Add[], width = 1): Array<[number, Bucket]> {
  const map = new Map<number, Bucket>();
  for (const [index, batches, tokens, queue] of adds) {
    const start = Math.floor(index / width) * width;
    const b = map.get(start);
    if (b !== undefined) {
      b.batches += batches;
      b.newTokens += tokens;
      b.maxQueue = Math.max(b.maxQueue, queue);
    } else map.set(start, { batches, newTokens: tokens, maxQueue: queue });
  }
  return [...map].sort((a, b) => a[0] - b[0]);
}

function series(adds: readonly Add[], budget = BUCKET_BUDGET_BYTES): BucketSeries {
  const s = new BucketSeries(budget);
  for (const [index, batches, tokens, queue] of adds) s.add(index, batches, tokens, queue);
  return s;
}

function flatOf(s: BucketSeries): number[] {
  const out: number[] = [];
  s.forEach((i, b, k, q) => out.push(i, b, k, q));
  return out;
}

const add = fc.tuple(fc.oneof(fc.integer({ min: 355_000_000, max: 355_000_400 }), fc.integer({ min: -1_000_000, max: 2_000_000_000 })), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 9000 }), fc.integer({ min: -1, max: 900 }));
/** Budgets from a few stray buckets to several chunks. */
const budget = fc.oneof(fc.integer({ min: 64, max: 2048 }), fc.constant(BUCKET_BUDGET_BYTES), fc.integer({ min: 6144, max: 40_000 }));

describe('BucketSeries', () => {
  it('holds what a map of buckets holds at its width, in index order, within its budget, under any arrival order and outliers', () => {
    fc.assert(
      fc.property(fc.array(add, { maxLength: 400 }), budget, (adds, bytes) => {
        const s = series(adds, bytes);
        const want = reference(adds, s.width);
        expect(BUCKET_WIDTHS.includes(s.width) || s.width % 17_280 === 0).toBe(true);
        expect([...s.entries()]).toEqual(want);
        expect(s.size).toBe(want.length);
        expect(s.bytes()).toBeLessThanOrEqual(bytes);
        for (const [index, b] of want) expect(s.get(index + s.width - 1)).toEqual(b);
      }),
      { numRuns: 400, seed: 5 },
    );
  });

  it('stays at 5 s while its buckets fit: a small rank costs 32 bytes a bucket, never a chunk', () => {
    const s = series(Array.from({ length: 12 }, (_, i) => [355_000_000 + i * 7, 1, 10, 0] as const));
    expect(s.width).toBe(1);
    expect(s.bytes()).toBe(12 * 32);
    // 2 h 50 min of steady 5-s buckets: still 5 s.
    const steady = series(Array.from({ length: 2048 }, (_, i) => [355_000_100 + i, 1, 10, i % 9] as const));
    expect(steady.width).toBe(1);
    expect(steady.size).toBe(2048);
  });

  it('a week of a steady log coarsens to 5-min buckets within 54 KiB, whatever the week’s offset', () => {
    for (const offset of [0, 17, 100, 255]) {
      const adds = Array.from({ length: 120_960 }, (_, i) => [355_000_000 + offset + i, 1, 10, i % 40] as const);
      const s = series(adds);
      expect(s.width).toBe(60);
      expect(s.bytes()).toBeLessThanOrEqual(BUCKET_BUDGET_BYTES);
      expect(BUCKET_BUDGET_BYTES).toBe(54 * 1024);
      expect([...s.entries()]).toEqual(reference(adds, 60));
    }
  });

  it('one line every 25 s for a week (sparse at 5 s) coarsens until dense, within the budget', () => {
    const adds = Array.from({ length: 24_192 }, (_, i) => [355_000_000 + i * 5, 1, 3, -1] as const);
    const s = series(adds);
    expect(s.bytes()).toBeLessThanOrEqual(BUCKET_BUDGET_BYTES);
    expect([...s.entries()]).toEqual(reference(adds, s.width));
    expect(s.width).toBe(60);
  });

  it('the width ladder: each width divides the next, and every width up to 10 min divides 10 min (the largest auto window)', () => {
    let w = 1;
    for (let k = 0; k < 20; k++) {
      const next = nextBucketWidth(w);
      expect(next % w).toBe(0);
      expect(next).toBeGreaterThan(w);
      if (next <= 120) expect(120 % next).toBe(0);
      w = next;
    }
    expect(bucketWidthAtLeast(7)).toBe(12);
    expect(bucketWidthAtLeast(0)).toBe(1);
    expect(commonBucketWidth([])).toBe(1);
    const wide = series(Array.from({ length: 3000 }, (_, i) => [i * 3, 1, 1, 1] as const));
    expect(commonBucketWidth([new BucketSeries(), wide, series([[5, 1, 1, 1]])])).toBe(wide.width);
  });

  it('fromFlat reads the flat form without building arrays until changed', () => {
    const flat = [10, 2, 30, 4, 12, 1, 5, -1];
    const s = BucketSeries.fromFlat(flat);
    expect([...s.entries()]).toEqual([
      [10, { batches: 2, newTokens: 30, maxQueue: 4 }],
      [12, { batches: 1, newTokens: 5, maxQueue: -1 }],
    ]);
    s.add(11, 1, 1, 7);
    expect([...s.entries()].map(([index]) => index)).toEqual([10, 11, 12]);
    expect(s.get(10)).toEqual({ batches: 2, newTokens: 30, maxQueue: 4 });
  });

  it('fromFlat of a wider series keeps its width: indices are the 5-s buckets each bucket starts at', () => {
    const s = BucketSeries.fromFlat([120, 2, 30, 4, 240, 1, 5, -1], 12);
    expect(s.width).toBe(12);
    s.add(125, 1, 1, 9);
    expect([...s.entries()]).toEqual([
      [120, { batches: 3, newTokens: 31, maxQueue: 9 }],
      [240, { batches: 1, newTokens: 5, maxQueue: -1 }],
    ]);
  });

  it('mergeFrom equals adding both sides’ 5-s buckets, at the coarser width or coarser, within the budget', () => {
    fc.assert(
      fc.property(fc.array(add, { maxLength: 200 }), fc.array(add, { maxLength: 200 }), budget, budget, fc.boolean(), (mine, theirs, intoBytes, otherBytes, flatOther) => {
        const into = series(mine, intoBytes);
        const built = series(theirs, otherBytes);
        const other = flatOther ? BucketSeries.fromFlat(flatOf(built), built.width) : built;
        const before = into.width;
        into.mergeFrom(other);
        expect(into.width).toBeGreaterThanOrEqual(Math.max(before, built.width));
        expect([...into.entries()]).toEqual(reference([...mine, ...theirs], into.width));
        expect(into.size).toBe(reference([...mine, ...theirs], into.width).length);
        expect(into.bytes()).toBeLessThanOrEqual(intoBytes);
        // The other side is left as it was.
        expect([...other.entries()]).toEqual(reference(theirs, built.width));
      }),
      { numRuns: 300, seed: 9 },
    );
  });

  it('mergeFrom into buckets already held: batches and tokens add up, the higher peak queue wins', () => {
    for (const flatOther of [false, true]) {
      const build = (queue: (i: number) => number): BucketSeries => series(Array.from({ length: 600 }, (_, i) => [355_000_000 + i, 1, 10, queue(i)] as const));
      const into = build((i) => i % 7);
      const dense = build((i) => (i * 3) % 11);
      into.mergeFrom(flatOther ? BucketSeries.fromFlat(flatOf(dense)) : dense);
      for (let i = 0; i < 600; i++) expect(into.get(355_000_000 + i)).toEqual({ batches: 2, newTokens: 20, maxQueue: Math.max(i % 7, (i * 3) % 11) });
      expect(into.size).toBe(600);
      expect(into.width).toBe(1);
    }
  });

  it('a flat form out of order or with repeats (a hand-edited summary) reads as adding its buckets one by one', () => {
    fc.assert(
      fc.property(fc.array(add, { maxLength: 120 }), budget, (adds, bytes) => {
        const s = BucketSeries.fromFlat(adds.flatMap(([i, b, k, q]) => [i, b, k, q]), 1, bytes);
        s.add(355_000_000, 1, 1, 1);
        const all = [...adds, [355_000_000, 1, 1, 1] as const];
        expect([...s.entries()]).toEqual(reference(all, s.width));
        expect(s.size).toBe(reference(all, s.width).length);
        expect(s.bytes()).toBeLessThanOrEqual(bytes);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('an empty series takes a flat one as it is, and changing it later leaves the other as it was', () => {
    const flat = [10, 2, 30, 4, 12, 1, 5, -1];
    const other = BucketSeries.fromFlat(flat);
    const into = new BucketSeries();
    into.mergeFrom(other);
    into.add(10, 1, 1, 9);
    expect(into.get(10)).toEqual({ batches: 3, newTokens: 31, maxQueue: 9 });
    expect(other.get(10)).toEqual({ batches: 2, newTokens: 30, maxQueue: 4 });
    expect(flat).toEqual([10, 2, 30, 4, 12, 1, 5, -1]);
  });

  it('forEach visits what entries holds, in order, stray buckets among dense ones', () => {
    const s = series([
      ...Array.from({ length: 100 }, (_, i) => [300 + 2 * i, 1, 1, 1] as const),
      [-900_000_000, 3, 3, 3], // far away: stray
      [900_000_000, 4, 4, 4],
    ]);
    const seen: number[][] = [];
    s.forEach((i, b, k, q) => seen.push([i, b, k, q]));
    expect(seen).toEqual([...s.entries()].map(([i, b]) => [i, b.batches, b.newTokens, b.maxQueue]));
    expect(seen.map((x) => x[0])).toEqual([-900_000_000, ...Array.from({ length: 100 }, (_, i) => 300 + 2 * i), 900_000_000]);
    expect(s.bytes()).toBe(6144 + 2 * 32);
  });

  /** windowTotals and indexRange as forEach gives them, bucket by bucket (each in the window its start falls in). */
  function byForEach(s: BucketSeries, first: number, perWindow: number, count: number): { range: [number, number] | null; batches: number[]; newTokens: number[]; maxQueue: number[] } {
    const batches = Array.from({ length: count }, () => 0);
    const newTokens = Array.from({ length: count }, () => 0);
    const maxQueue = Array.from({ length: count }, () => -1);
    let range: [number, number] | null = null;
    s.forEach((index, b, k, q) => {
      const end = index + s.width - 1;
      range = range === null ? [index, end] : [Math.min(range[0], index), Math.max(range[1], end)];
      const w = Math.floor((index - first) / perWindow);
      if (w < 0 || w >= count) return;
      batches[w] = (batches[w] ?? 0) + b;
      newTokens[w] = (newTokens[w] ?? 0) + k;
      maxQueue[w] = Math.max(maxQueue[w] ?? -1, q);
    });
    return { range, batches, newTokens, maxQueue };
  }

  it('windowTotals and indexRange give what forEach gives, dense, stray, flat and coarsened buckets, windows off the grid included', () => {
    const near = fc.tuple(fc.integer({ min: 1000, max: 3000 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 9000 }), fc.integer({ min: -1, max: 900 }));
    const far = fc.tuple(fc.oneof(fc.integer({ min: -50_000, max: 0 }), fc.integer({ min: 100_000, max: 200_000 })), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 9000 }), fc.integer({ min: -1, max: 900 }));
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 9, arbitrary: near }, { weight: 1, arbitrary: far }), { maxLength: 400 }),
        budget,
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: -200, max: 200 }),
        fc.integer({ min: 0, max: 80 }),
        fc.boolean(),
        (adds, bytes, perWindow, shift, count, flat) => {
          let s = series(adds, bytes);
          if (flat) s = BucketSeries.fromFlat(flatOf(s), s.width, bytes);
          const want = byForEach(s, 1000 + shift, perWindow, count);
          const got = s.windowTotals(1000 + shift, perWindow, count);
          expect(s.indexRange()).toEqual(want.range);
          expect([...got.batches]).toEqual(want.batches);
          expect([...got.newTokens]).toEqual(want.newTokens);
          expect([...got.maxQueue]).toEqual(want.maxQueue);
        },
      ),
      { numRuns: 400, seed: 7 },
    );
  });

  it('on a grid aligned to the width, windows of coarsened buckets equal windows of the 5-s buckets', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 9000 }), fc.integer({ min: -1, max: 900 })), { maxLength: 600 }), budget, fc.integer({ min: 1, max: 8 }), (adds, bytes, multiple) => {
        const coarse = series(adds, bytes);
        const fine = series(adds, 1 << 30);
        expect(fine.width).toBe(1);
        const perWindow = coarse.width * multiple;
        const count = Math.floor(20_000 / perWindow) + 1;
        const a = coarse.windowTotals(0, perWindow, count);
        const b = fine.windowTotals(0, perWindow, count);
        expect([...a.batches]).toEqual([...b.batches]);
        expect([...a.newTokens]).toEqual([...b.newTokens]);
        expect([...a.maxQueue]).toEqual([...b.maxQueue]);
      }),
      { numRuns: 100, seed: 13 },
    );
  });

  it('toDense and fromDense carry a series over as it is: same buckets and width, and the same after further adds and merges', () => {
    fc.assert(
      fc.property(fc.array(add, { maxLength: 300 }), fc.array(add, { maxLength: 60 }), budget, fc.boolean(), (adds, more, bytes, flat) => {
        let original = series(adds, bytes);
        if (flat) original = BucketSeries.fromFlat(flatOf(original), original.width, bytes);
        const copy = BucketSeries.fromDense(original.toDense(), bytes);
        expect([...copy.entries()]).toEqual([...original.entries()]);
        expect(copy.size).toBe(original.size);
        expect(copy.width).toBe(original.width);
        const grown = (s: BucketSeries): unknown => {
          for (const [i, b, k, q] of more) s.add(i, b, k, q);
          const into = series(more, bytes);
          into.mergeFrom(s);
          return [[...into.entries()], [...s.entries()], s.indexRange(), s.width, into.width];
        };
        expect(grown(copy)).toEqual(grown(original));
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});
