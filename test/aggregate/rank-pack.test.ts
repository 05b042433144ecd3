/**
 * A worker whose files are read packs its small ranks' histograms and buckets into one array each
 * (RankAccumulator.pack; issue 18, 10,000 files each its own worker). Packing must change no
 * number: a packed rank reads, serialises, merges and takes more lines exactly as the unpacked one.
 * (What it saves: memory-bounds.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUCKET_MS, RankAccumulator } from '../../src/aggregate/rank-accumulator.ts';
import type { FoldedBatches } from '../../src/model/records.ts';
import { batch } from '../helpers/records.ts';

const START = Date.UTC(2026, 3, 14, 10);

/** A line: seconds after START (or untimed), #queue-req, #running-req, #new-token (each may be absent). */
const line = fc.record({
  second: fc.option(fc.integer({ min: 0, max: 3 * 86_400 }), { nil: undefined }),
  queue: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
  running: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
  tokens: fc.option(fc.integer({ min: 1, max: 9000 }), { nil: undefined }),
});
type Line = typeof line extends fc.Arbitrary<infer T> ? T : never;

function add(acc: RankAccumulator, lines: readonly Line[]): void {
  for (const l of lines) {
    acc.add(batch('prefill', { dp: 0 }, { time: l.second === undefined ? undefined : START + l.second * 1000, queue: l.queue, running: l.running, newTokens: l.tokens }));
  }
}

/** The kernel's fold of `lines` (one group): what RankAccumulator.addFolded takes. */
function fold(lines: readonly Line[]): FoldedBatches {
  const queue: number[] = [];
  const running: number[] = [];
  const buckets: number[] = [];
  let firstTime: number | null = null;
  let lastTime: number | null = null;
  for (const l of lines) {
    if (l.queue !== undefined) queue[l.queue] = (queue[l.queue] ?? 0) + 1;
    if (l.running !== undefined) running[l.running] = (running[l.running] ?? 0) + 1;
    if (l.second !== undefined) {
      const t = START + l.second * 1000;
      firstTime = firstTime === null ? t : Math.min(firstTime, t);
      lastTime = lastTime === null ? t : Math.max(lastTime, t);
      buckets.push(Math.floor(t / BUCKET_MS), 1, l.tokens ?? 0, l.queue ?? -1);
    }
  }
  const queued = lines.filter((l) => (l.queue ?? 0) > 0 && l.running !== undefined);
  return {
    phase: 'prefill',
    ranks: { dp: 0, tp: undefined, pp: undefined, attnCp: undefined },
    lines: lines.length,
    newTokens: lines.reduce((s, l) => s + (l.tokens ?? 0), 0),
    tokenLines: lines.filter((l) => l.tokens !== undefined).length,
    newSeq: lines.length,
    cachedTokens: 0,
    queue: Array.from(queue, (n) => n ?? 0),
    running: Array.from(running, (n) => n ?? 0),
    queuedLines: queued.length,
    runningMinWhenQueued: queued.length === 0 ? null : Math.min(...queued.map((l) => l.running ?? 0)),
    runningMaxWhenQueued: queued.length === 0 ? null : Math.max(...queued.map((l) => l.running ?? 0)),
    firstTime,
    lastTime,
    buckets,
  };
}

/** Everything a report reads of a rank. */
function reading(acc: RankAccumulator): unknown {
  const buckets: number[] = [];
  acc.buckets.forEach((i, b, t, q) => buckets.push(i, b, t, q));
  return {
    json: acc.toJSON(),
    width: acc.buckets.width,
    size: acc.buckets.size,
    buckets,
    queue: [acc.queue.count, acc.queue.max, acc.queue.mean(), acc.queue.quantile(0.5), acc.queue.quantile(0.95)],
    running: [acc.running.count, acc.running.max, acc.running.mean(), acc.running.quantile(0.95)],
    empty: acc.isEmpty(),
  };
}

describe('a packed rank reads as the rank it packs', () => {
  it('packed after any lines, then read, added to (lines, folds), merged either way: every number the same', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.array(line, { maxLength: 30 }), fc.array(line, { maxLength: 12 }), (first, later, other) => {
        const plain = new RankAccumulator();
        const packed = new RankAccumulator();
        add(plain, first);
        add(packed, first);
        packed.pack();
        expect(reading(packed)).toEqual(reading(plain));

        // A packed rank merged into another, and another merged into a packed one.
        const source = new RankAccumulator();
        add(source, other);
        const intoPlain = new RankAccumulator();
        intoPlain.merge(plain);
        intoPlain.merge(source);
        const intoPacked = new RankAccumulator();
        intoPacked.merge(packed);
        intoPacked.merge(source);
        expect(reading(intoPacked)).toEqual(reading(intoPlain));
        const packedSource = new RankAccumulator();
        add(packedSource, other);
        packedSource.pack();
        plain.merge(source);
        packed.merge(packedSource);
        expect(reading(packed)).toEqual(reading(plain));

        // More lines after packing (a later file of the worker), one at a time and folded, packed again between.
        packed.pack();
        add(plain, later);
        add(packed, later);
        expect(reading(packed)).toEqual(reading(plain));
        packed.pack();
        plain.addFolded(fold(later));
        packed.addFolded(fold(later));
        packed.pack();
        expect(reading(packed)).toEqual(reading(plain));
        expect(RankAccumulator.fromJSON(packed.toJSON()).toJSON()).toEqual(plain.toJSON());
      }),
      { numRuns: 300 },
    );
  });

  it('what a packed rank hands out is a copy: adding to it changes nothing', () => {
    const acc = new RankAccumulator();
    add(acc, [{ second: 5, queue: 3, running: 1, tokens: 100 }]);
    acc.pack();
    acc.queue.add(50);
    acc.buckets.add(0, 1, 0, -1);
    expect([acc.queue.count, acc.queue.max, acc.buckets.size]).toEqual([1, 3, 1]);
  });
});
