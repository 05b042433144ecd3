/** Log-store exports read as a stream: strings with escapes cut anywhere, Loki newest-first, hits without a pod. */
import { describe, expect, it } from 'vitest';
import { runOnChunks } from '../helpers/run-in-process.ts';
import { comparable } from './envelopes.ts';

const batch = (dp: number, q: number): string => `[2026-04-14 10:00:0${q % 10} DP${dp} TP${dp}] Prefill batch, #new-seq: 1, #new-token: 10, #cached-token: 0, #running-req: 0, #queue-req: ${q}`;

/** A Loki response whose lines end in backslash runs and hold escaped quotes, next to batch lines. */
function lokiDocument(direction: 'forward' | 'backward'): string {
  const streams = ['sglang-prefill-a', 'sglang-prefill-b'].map((pod, p) => {
    const values: string[][] = [];
    for (let k = 0; k < 12; k++) {
      values.push([String(1776160800000000000 + k * 1e9), batch(k % 2, k + p)]);
      values.push([String(1776160800000000000 + k * 1e9 + 1), `noise "quoted" \\\\ path\\${'\\'.repeat(k % 3)}`]);
    }
    return { stream: { pod, app: 'sglang' }, values: direction === 'backward' ? values.reverse() : values };
  });
  return JSON.stringify({ status: 'success', data: { resultType: 'streams', result: streams } }, null, 2);
}

function chunks(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

describe('JSON exports', () => {
  it('a Loki response cut at every few bytes gives the report it gives whole', async () => {
    const text = lokiDocument('forward');
    const whole = await runOnChunks([Buffer.from(text)]);
    expect(whole.report.workers.map((w) => [w.name, w.prefillBatches])).toEqual([
      ['sglang-prefill-a', 12],
      ['sglang-prefill-b', 12],
    ]);
    expect(whole.report.totals.linesRead).toBe(48);
    for (const size of [1, 2, 3, 5, 7, 64]) expect(comparable((await runOnChunks(chunks(text, size))).report)).toEqual(comparable(whole.report));
  });

  it('Loki newest first (its default direction) gives the same numbers as oldest first', async () => {
    const forward = await runOnChunks([Buffer.from(lokiDocument('forward'))]);
    const backward = await runOnChunks([Buffer.from(lokiDocument('backward'))]);
    expect(comparable(backward.report)).toEqual(comparable(forward.report));
  });

  it('hits without a pod go to their container, else to the input\u2019s own worker', async () => {
    const hits = [
      { _source: { message: batch(0, 1), container: { name: 'prefill-x' } } },
      { _source: { message: batch(1, 2), container: { name: 'prefill-x' } } },
      { _source: { log: batch(0, 3) } },
    ];
    const { report } = await runOnChunks([Buffer.from(JSON.stringify({ took: 1, timed_out: false, hits: { hits } }))]);
    expect(report.workers.map((w) => [w.name, w.prefillBatches])).toEqual([
      ['prefill-x', 2],
      ['stdin', 1],
    ]);
  });
});
