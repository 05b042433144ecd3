/** BucketSeries against a plain Map of buckets: same contents, same order, same cap, whatever the arrival order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketSeries, type Bucket } from '../../src/aggregate/bucket-series.ts';

function reference(adds: ReadonlyArray<readonly [number, number, number, number]>, max: number): { buckets: Array<[number, Bucket]>; dropped: number } {
  const map = new Map<number, Bucket>();
  let dropped = 0;
  for (const [index, batches, tokens, queue] of adds) {
    const b = map.get(index);
    if (b !== undefined) {
      b.batches += batches;
      b.newTokens += tokens;
      b.maxQueue = Math.max(b.maxQueue, queue);
    } else if (map.size >= max) dropped += batches;
    else map.set(index, { batches, newTokens: tokens, maxQueue: Math.max(-1, queue) });
  }
  return { buckets: [...map].sort((a, b) => a[0] - b[0]), dropped };
}

function series(adds: ReadonlyArray<readonly [number, number, number, number]>, max: number): { buckets: Array<[number, Bucket]>; dropped: number; s: BucketSeries } {
  const s = new BucketSeries(max);
  let dropped = 0;
  for (const [index, batches, tokens, queue] of adds) if (!s.add(index, batches, tokens, queue)) dropped += batches;
  return { buckets: [...s.entries()], dropped, s };
}

const add = fc.tuple(fc.oneof(fc.integer({ min: 355_000_000, max: 355_000_400 }), fc.integer({ min: -1_000_000, max: 2_000_000_000 })), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 9000 }), fc.integer({ min: -1, max: 900 }));

describe('BucketSeries', () => {
  it('holds what a map of buckets holds, in index order, under any arrival order, outliers and the cap', () => {
    fc.assert(
      fc.property(fc.array(add, { maxLength: 300 }), fc.integer({ min: 1, max: 400 }), (adds, max) => {
        const got = series(adds, max);
        const want = reference(adds, max);
        expect(got.buckets).toEqual(want.buckets);
        expect(got.dropped).toBe(want.dropped);
        expect(got.s.size).toBe(want.buckets.length);
        for (const [index, b] of want.buckets) expect(got.s.get(index)).toEqual(b);
      }),
      { numRuns: 400, seed: 5 },
    );
  });

  it('a steady log stays dense: a day of 5-s buckets costs 24 bytes each', () => {
    const s = new BucketSeries(200_000);
    for (let i = 0; i < 17_280; i++) s.add(355_000_000 + i, 1, 10, 0);
    expect(s.size).toBe(17_280);
    expect([...s.entries()].at(-1)?.[0]).toBe(355_017_279);
  });

  it('fromFlat reads the flat form without building arrays until changed', () => {
    const flat = [10, 2, 30, 4, 12, 1, 5, -1];
    const s = BucketSeries.fromFlat(flat, 100);
    expect([...s.entries()]).toEqual([
      [10, { batches: 2, newTokens: 30, maxQueue: 4 }],
      [12, { batches: 1, newTokens: 5, maxQueue: -1 }],
    ]);
    s.add(11, 1, 1, 7);
    expect([...s.entries()].map(([index]) => index)).toEqual([10, 11, 12]);
    expect(s.get(10)).toEqual({ batches: 2, newTokens: 30, maxQueue: 4 });
  });

  it('mergeFrom equals adding the other series bucket by bucket, cap and dropped batches included', () => {
    fc.assert(
      fc.property(fc.array(add, { maxLength: 150 }), fc.array(add, { maxLength: 150 }), fc.integer({ min: 1, max: 200 }), fc.boolean(), (mine, theirs, max, flatOther) => {
        const into = series(mine, max).s;
        const built = series(theirs, max).s;
        const flat: number[] = [];
        built.forEach((i, b, k, q) => flat.push(i, b, k, q));
        const other = flatOther ? BucketSeries.fromFlat(flat, max) : built;
        const want = series([...mine, ...[...built.entries()].map(([i, b]) => [i, b.batches, b.newTokens, b.maxQueue] as const)], max);
        const dropped = into.mergeFrom(other);
        expect([...into.entries()]).toEqual(want.buckets);
        expect(dropped).toBe(want.dropped - series(mine, max).dropped);
        expect(into.size).toBe(want.buckets.length);
      }),
      { numRuns: 300, seed: 9 },
    );
  });

  it('mergeFrom into buckets already held: batches and tokens add up, the higher peak queue wins', () => {
    // maxBuckets 1000 leaves no room for both (bucket by bucket), 5000 does (chunk by chunk).
    for (const [max, flatOther] of [[1000, false], [1000, true], [5000, false], [5000, true]] as const) {
      const build = (queue: (i: number) => number): BucketSeries => {
        const s = new BucketSeries(max);
        for (let i = 0; i < 600; i++) s.add(355_000_000 + i, 1, 10, queue(i));
        return s;
      };
      const into = build((i) => i % 7);
      const dense = build((i) => (i * 3) % 11);
      const flat: number[] = [];
      dense.forEach((i, b, k, q) => flat.push(i, b, k, q));
      expect(into.mergeFrom(flatOther ? BucketSeries.fromFlat(flat, max) : dense)).toBe(0);
      for (let i = 0; i < 600; i++) expect(into.get(355_000_000 + i)).toEqual({ batches: 2, newTokens: 20, maxQueue: Math.max(i % 7, (i * 3) % 11) });
      expect(into.size).toBe(600);
    }
  });

  it('a flat form out of order or with repeats (a hand-edited summary) reads as adding its buckets one by one', () => {
    fc.assert(
      fc.property(fc.array(add, { maxLength: 120 }), fc.integer({ min: 1, max: 200 }), (adds, max) => {
        const flat = adds.flatMap(([i, b, k, q]) => [i, b, k, q]);
        const s = BucketSeries.fromFlat(flat, max);
        s.add(355_000_000, 1, 1, 1);
        const want = series([...adds, [355_000_000, 1, 1, 1]], max);
        expect([...s.entries()]).toEqual(want.buckets);
        expect(s.size).toBe(want.buckets.length);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('an empty series takes a flat one as it is, and changing it later leaves the other as it was', () => {
    const flat = [10, 2, 30, 4, 12, 1, 5, -1];
    const other = BucketSeries.fromFlat(flat, 100);
    const into = new BucketSeries(100);
    expect(into.mergeFrom(other)).toBe(0);
    into.add(10, 1, 1, 9);
    expect(into.get(10)).toEqual({ batches: 3, newTokens: 31, maxQueue: 9 });
    expect(other.get(10)).toEqual({ batches: 2, newTokens: 30, maxQueue: 4 });
    expect(flat).toEqual([10, 2, 30, 4, 12, 1, 5, -1]);
  });

  it('forEach visits what entries holds, in order, stray buckets among dense ones', () => {
    const s = new BucketSeries(1000);
    s.add(500, 1, 1, 1);
    s.add(502, 2, 2, -1);
    s.add(-900_000_000, 3, 3, 3); // far away: sparse
    s.add(900_000_000, 4, 4, 4);
    const seen: number[][] = [];
    s.forEach((i, b, k, q) => seen.push([i, b, k, q]));
    expect(seen).toEqual([...s.entries()].map(([i, b]) => [i, b.batches, b.newTokens, b.maxQueue]));
    expect(seen.map((x) => x[0])).toEqual([-900_000_000, 500, 502, 900_000_000]);
  });

  /** windowTotals and indexRange as forEach gives them, bucket by bucket. */
  function byForEach(s: BucketSeries, first: number, perWindow: number, count: number): { range: [number, number] | null; batches: number[]; newTokens: number[]; maxQueue: number[] } {
    const batches = Array.from({ length: count }, () => 0);
    const newTokens = Array.from({ length: count }, () => 0);
    const maxQueue = Array.from({ length: count }, () => -1);
    let range: [number, number] | null = null;
    s.forEach((index, b, k, q) => {
      range = range === null ? [index, index] : [Math.min(range[0], index), Math.max(range[1], index)];
      const w = Math.floor((index - first) / perWindow);
      if (w < 0 || w >= count) return;
      batches[w] = (batches[w] ?? 0) + b;
      newTokens[w] = (newTokens[w] ?? 0) + k;
      maxQueue[w] = Math.max(maxQueue[w] ?? -1, q);
    });
    return { range, batches, newTokens, maxQueue };
  }

  it('windowTotals and indexRange give what forEach gives, dense, stray and flat buckets, windows off the grid included', () => {
    const near = fc.tuple(fc.integer({ min: 1000, max: 3000 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 9000 }), fc.integer({ min: -1, max: 900 }));
    const far = fc.tuple(fc.oneof(fc.integer({ min: -50_000, max: 0 }), fc.integer({ min: 100_000, max: 200_000 })), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 9000 }), fc.integer({ min: -1, max: 900 }));
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 9, arbitrary: near }, { weight: 1, arbitrary: far }), { maxLength: 400 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: -200, max: 200 }),
        fc.integer({ min: 0, max: 80 }),
        fc.boolean(),
        (adds, max, perWindow, shift, count, flat) => {
          let s = series(adds, max).s;
          if (flat) {
            const out: number[] = [];
            s.forEach((i, b, k, q) => out.push(i, b, k, q));
            s = BucketSeries.fromFlat(out, max);
          }
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

  it('toDense and fromDense carry a series over as it is: same buckets, and the same after further adds and merges', () => {
    fc.assert(
      fc.property(fc.array(add, { maxLength: 300 }), fc.array(add, { maxLength: 60 }), fc.integer({ min: 1, max: 400 }), fc.boolean(), (adds, more, max, flat) => {
        let original = series(adds, max).s;
        if (flat) {
          const out: number[] = [];
          original.forEach((i, b, k, q) => out.push(i, b, k, q));
          original = BucketSeries.fromFlat(out, max);
        }
        const copy = BucketSeries.fromDense(original.toDense(), max);
        expect([...copy.entries()]).toEqual([...original.entries()]);
        expect(copy.size).toBe(original.size);
        const grown = (s: BucketSeries): unknown => {
          const dropped = more.filter(([i, b, k, q]) => !s.add(i, b, k, q)).length;
          const into = series(more, max).s;
          return [dropped, into.mergeFrom(s), [...into.entries()], [...s.entries()], s.indexRange()];
        };
        expect(grown(copy)).toEqual(grown(original));
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});
