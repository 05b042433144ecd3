/**
 * What a metrics dump cannot show: series without a DP-rank label (METRICS_WITHOUT_RANK). SGLang
 * labels its scheduler gauges with `dp_rank` only under `--enable-metrics-for-all-schedulers`
 * (PR #7597; without it `/metrics` shows one scheduler, issue #6892); TensorRT-LLM's Prometheus
 * metrics carry no attention-DP rank label at all; a re-exporter may drop the label (the sawtooth
 * of miles PR #2023). Such series are not judged: one rank's numbers, or all ranks' summed, look
 * like balance.
 */
import type { WorkerState } from '../aggregate/worker-state.ts';
import type { Finding } from '../model/report.ts';

export function metricsWithoutRank(workers: readonly WorkerState[]): Finding[] {
  const findings: Finding[] = [];
  for (const w of workers) {
    for (const [engine, samples] of [...w.metrics.unranked()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      findings.push({ code: 'METRICS_WITHOUT_RANK', level: 'warn', phase: null, worker: w.name, engine, samples });
    }
  }
  return findings;
}
