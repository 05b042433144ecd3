/** A small hand-checkable Report built from synthetic workers (no files, no parser). */
import { WorkerState } from '../../src/aggregate/worker-state.ts';
import { DEFAULT_THRESHOLDS } from '../../src/model/thresholds.ts';
import { buildReport } from '../../src/analyze/build-report.ts';
import type { InputSummary, Report } from '../../src/model/report.ts';
import { batch, layout } from './records.ts';

const T0 = Date.UTC(2026, 3, 14, 10, 0, 0);

/** Prefill worker with DP0 ×60 (queue at 90 for 30 lines), DP1 ×20, DP2 ×0 (dp_size 3); decode worker 2 ranks ×25. */
export function sampleReport(groupBy: 'rank' | 'worker' = 'rank'): Report {
  const prefill = new WorkerState('n1_prefill_w0');
  prefill.layouts.push(layout({ dpSize: 3, tpSize: 3, enableDpAttention: true, disaggregationMode: 'prefill' }));
  for (let i = 0; i < 60; i++) {
    prefill.addBatch(batch('prefill', { dp: 0, tp: 0 }, { time: T0 + i * 1000, newTokens: 1000, queue: i >= 20 && i < 50 ? 90 : i % 3, running: 1 }), 'sglang');
  }
  for (let i = 0; i < 20; i++) {
    prefill.addBatch(batch('prefill', { dp: 1, tp: 1 }, { time: T0 + i * 3000, newTokens: 500, queue: 1, running: 0 }), 'sglang');
  }
  const decode = new WorkerState('n2_decode_w0');
  decode.layouts.push(layout({ dpSize: 2, disaggregationMode: 'decode' }));
  for (let i = 0; i < 50; i++) {
    decode.addBatch(batch('decode', { dp: i % 2, tp: i % 2 }, { time: T0 + i * 1000, newTokens: undefined, newSeq: undefined, queue: 0, running: 8 + (i % 2) }), 'sglang');
  }
  prefill.inputs.push('logs/n1_prefill_w0.out');
  decode.inputs.push('logs/n2_decode_w0.out');
  const inputs: InputSummary[] = [
    input('logs/n1_prefill_w0.out', 'n1_prefill_w0', { linesRead: 100, batchLines: 80, layoutLines: 1, unparseable: 1 }),
    input('logs/n2_decode_w0.out', 'n2_decode_w0', { linesRead: 60, batchLines: 50, layoutLines: 1, unparseable: 0 }),
  ];
  return buildReport([prefill, decode], inputs, { groupBy, dpSize: null, thresholds: DEFAULT_THRESHOLDS });
}

function input(
  name: string,
  worker: string,
  n: { linesRead: number; batchLines: number; layoutLines: number; unparseable: number },
): InputSummary {
  return {
    name,
    worker,
    gzip: false,
    bytes: n.linesRead * 200,
    lines: {
      linesRead: n.linesRead,
      recognised: n.batchLines + n.layoutLines,
      batchLines: n.batchLines,
      layoutLines: n.layoutLines,
      outOfRange: 0,
      ignored: n.linesRead - n.batchLines - n.layoutLines - n.unparseable,
      unparseable: n.unparseable,
      oversized: 0,
      invalidUtf8: 0,
    },
    families: { sglang: n.batchLines + n.layoutLines },
    unparseableExample: n.unparseable > 0 ? { line: '[2026-04-14 10:00:09 DP0 TP0] Prefill batch, #new-seq: 1, #new-tok\u001b[31m', reason: 'prefill batch line without #queue-req' } : null,
    error: null,
  };
}
