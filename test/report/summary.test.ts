/**
 * Summaries: version 3 keys ranks by label set and writes buckets flat; version 1 and 2 files are
 * still read, to the same state; each input counts once however often summaries holding it are given.
 */
import { describe, expect, it } from 'vitest';
import { labelsOf, WorkerState } from '../../src/aggregate/worker-state.ts';
import { distinctSummaries, parseSummary, toSummary, workersFromSummaries, type SummaryFile } from '../../src/summary/summary.ts';
import type { InputSummary } from '../../src/model/report.ts';
import { batch } from '../helpers/records.ts';

function state(): WorkerState {
  const w = new WorkerState('node1_prefill_w0');
  for (let i = 0; i < 40; i++) w.addBatch(batch('prefill', { dp: i % 4, tp: i % 8 === 7 ? undefined : i % 4 }, { time: Date.UTC(2026, 3, 14, 10, 0, i * 3), queue: i, newTokens: 100 }), 'sglang');
  return w;
}

/** The summary as version 2 wrote it: ranks keyed by their TP label (−1: none), no TensorRT-LLM sums. */
function asVersion2(text: string, version = 2): string {
  return JSON.stringify(JSON.parse(text), (key, value: unknown) => {
    if (key === 'byDp' && Array.isArray(value)) {
      return (value as Array<[number, Array<[number, unknown]>]>).map(([dp, byLabel]) => [dp, byLabel.map(([k, acc]) => [labelsOf(k).tp ?? -1, acc])]);
    }
    if (key === 'fetchedRequests' || key === 'fetchedTotal') return undefined;
    return key === 'summaryVersion' ? version : value;
  });
}

const settings = { timezone: 'UTC', engine: 'auto', patterns: [], timeRange: null, maxLineBytes: 1 << 20 };

describe('summary buckets', () => {
  it('version 3 writes each rank’s buckets as one flat array, and reads them back exactly', () => {
    const summary = toSummary([state()], [], [], settings, '0.1.0');
    expect(summary.summaryVersion).toBe(3);
    const rank = summary.workers[0]?.phases.prefill.byDp[0]?.[1][0]?.[1];
    const buckets = rank?.buckets;
    expect(Array.isArray(buckets) ? buckets.slice(0, 4) : null).toEqual([Math.floor(Date.UTC(2026, 3, 14, 10) / 5000), 1, 100, 0]);
    const [back] = workersFromSummaries([parseSummary(JSON.stringify(summary), 's.json')]);
    expect(JSON.stringify(toSummary(back ? [back] : [], [], [], settings, '0.1.0'))).toBe(JSON.stringify(summary));
  });

  it('reads version 2 (ranks keyed by TP) to the same state', () => {
    const summary = toSummary([state()], [], [], settings, '0.1.0');
    const [back] = workersFromSummaries([parseSummary(asVersion2(JSON.stringify(summary)), 'v2.json')]);
    expect(JSON.stringify(toSummary(back ? [back] : [], [], [], settings, '0.1.0'))).toBe(JSON.stringify(summary));
  });

  it('reads version 1 (a tuple per bucket) to the same state', () => {
    const summary = toSummary([state()], [], [], settings, '0.1.0');
    const v1 = JSON.parse(asVersion2(JSON.stringify(summary), 1), (key, value: unknown) => {
      if (key === 'buckets' && Array.isArray(value)) {
        const tuples: unknown[] = [];
        for (let k = 0; k < value.length; k += 4) tuples.push(value.slice(k, k + 4));
        return tuples;
      }
      return value;
    });
    const [back] = workersFromSummaries([parseSummary(JSON.stringify(v1), 'old.json')]);
    expect(JSON.stringify(toSummary(back ? [back] : [], [], [], settings, '0.1.0'))).toBe(JSON.stringify(summary));
  });
});

function input(name: string, lines: number): InputSummary {
  const accounting = { linesRead: lines, recognised: lines, batchLines: lines, layoutLines: 0, outOfRange: 0, ignored: 0, unparseable: 0, oversized: 0, invalidUtf8: 0 };
  return { name, worker: name.replace(/\.out$/, ''), gzip: false, bytes: lines * 100, lines: accounting, families: { sglang: lines }, unparseableExample: null, error: null };
}

/** A summary file of these inputs (the workers do not matter here). */
function file(name: string, inputs: readonly InputSummary[]): SummaryFile {
  return { file: name, summary: toSummary([], inputs, [], settings, '0.1.0') };
}

describe('each input counts once (issue 18 item 4: merge s.json copy-of-s.json doubled every count)', () => {
  const a = input('a.out', 10);
  const b = input('b.out', 20);
  const c = input('c.out', 30);
  const taken = (r: ReturnType<typeof distinctSummaries>): string[] => r.taken.map((s) => s.file);

  it('a copy is left out, with a note', () => {
    const result = distinctSummaries([file('s.json', [a, b]), file('copy.json', [a, b])], []);
    expect(taken(result)).toEqual(['s.json']);
    expect(result.notes).toEqual([{ path: 'copy.json', message: 'every input of it is already in s.json: left out, so each input counts once' }]);
    expect(result.errors).toEqual([]);
  });

  it('a summary of part of another is left out, whichever comes first; the order of those taken stays', () => {
    for (const order of [['ab.json', 'a.json', 'c.json'], ['a.json', 'c.json', 'ab.json']]) {
      const files = new Map([file('ab.json', [a, b]), file('a.json', [a]), file('c.json', [c])].map((f) => [f.file, f]));
      const result = distinctSummaries(order.flatMap((n) => files.get(n) ?? []), []);
      expect(taken(result)).toEqual(order.filter((n) => n !== 'a.json'));
      expect(result.notes.map((n) => n.path)).toEqual(['a.json']);
    }
  });

  it('inputs spread over several summaries, or read in this run, count as read', () => {
    const spread = distinctSummaries([file('a.json', [a]), file('b.json', [b]), file('ab.json', [a, b])], []);
    expect(taken(spread)).toEqual(['ab.json']);
    const read = distinctSummaries([file('a.json', [a])], [a, c]);
    expect(taken(read)).toEqual([]);
    expect(read.notes[0]?.message).toBe('every input of it is already in the logs read here: left out, so each input counts once');
  });

  it('a summary sharing only some inputs cannot be split: left out as an error', () => {
    const result = distinctSummaries([file('ab.json', [a, b]), file('bc.json', [b, c])], []);
    expect(taken(result)).toEqual(['ab.json']);
    expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual(['bc.json: input b.out is also in ab.json: its counts would be doubled, so this summary is left out (merge summaries of disjoint inputs)']);
  });

  it('the same name with other contents, or another worker, is another input', () => {
    const grown = input('a.out', 11);
    const elsewhere = { ...a, worker: 'node2_a' };
    const result = distinctSummaries([file('a.json', [a]), file('grown.json', [grown]), file('node2.json', [elsewhere])], []);
    expect(taken(result)).toEqual(['a.json', 'grown.json', 'node2.json']);
    expect(result.notes).toEqual([]);
  });
});
