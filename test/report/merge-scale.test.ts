/**
 * Merging a summary costs time linear in its size (issue 18, item 6: a 5,000-rank summary took
 * 96 s). The time went into the analysis of one group of thousands of ranks: every window's total
 * recomputed per rank (idle periods), every rank's peers scanned per queued rank (queued while a
 * peer idles) and the others' median peak sorted per rank (QUEUE_SKEW).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkerState } from '../../src/aggregate/worker-state.ts';
import { median, mediansOfOthers } from '../../src/analyze/detect.ts';
import { toSummary } from '../../src/summary/summary.ts';
import { mulberry32 } from '../helpers/random.ts';
import { batch } from '../helpers/records.ts';
import { runJson } from '../cli/run-cli.ts';

const T0 = Date.UTC(2026, 3, 14, 10, 0, 0);
const settings = { timezone: 'UTC', engine: 'auto', patterns: [], timeRange: null, maxLineBytes: 1 << 20 };

/** `workers` workers of `perWorker` DP ranks each (disjoint), every rank busy and queued in each 5-s bucket of 10 minutes. */
function bigSummary(workers: number, perWorker: number): string {
  const states: WorkerState[] = [];
  for (let k = 0; k < workers; k++) {
    const w = new WorkerState(`n${k}_prefill_w0`);
    for (let r = 0; r < perWorker; r++) {
      for (let b = 0; b < 120; b++) w.addBatch(batch('prefill', { dp: k * perWorker + r, tp: 0 }, { time: T0 + b * 5000, queue: 3 + (r % 7), newTokens: 100 }), 'sglang');
    }
    states.push(w);
  }
  return JSON.stringify(toSummary(states, [], [], settings, '0.1.0'));
}

describe('merge time', () => {
  it('a summary of 5,000 ranks merges in seconds with the built CLI (57 s here before, 96 s in the issue)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-scale-'));
    const file = join(dir, 'big.json');
    writeFileSync(file, bigSummary(2, 2500));
    const started = performance.now();
    const { result, json } = await runJson(['merge', file]);
    const seconds = (performance.now() - started) / 1000;
    expect(result.code).toBe(0);
    expect(json.prefill.groups[0]?.ranks).toHaveLength(5000);
    expect(json.windows?.prefill?.ranks).toHaveLength(5000);
    // ~4 s after the fix on this 2-core machine, shared; the CLI analyses with V8's optimizer off (exit-safety.ts).
    expect(seconds).toBeLessThan(20);
  }, 120_000);
});

describe('mediansOfOthers', () => {
  it('equals the median of the list without each value, ties and all', () => {
    const rand = mulberry32(18);
    for (let round = 0; round < 300; round++) {
      const n = Math.floor(rand() * 12);
      const values = Array.from({ length: n }, () => Math.floor(rand() * 6) * (rand() < 0.1 ? 1000 : 1));
      const expected = values.map((_, i) => median(values.filter((__, j) => j !== i)));
      expect(mediansOfOthers(values)).toEqual(expected);
    }
  });
});
