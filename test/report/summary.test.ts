/** Summaries: version 3 keys ranks by label set and writes buckets flat; version 1 and 2 files are still read, to the same state. */
import { describe, expect, it } from 'vitest';
import { labelsOf, WorkerState } from '../../src/aggregate/worker-state.ts';
import { parseSummary, toSummary, workersFromSummaries } from '../../src/report/summary.ts';
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
