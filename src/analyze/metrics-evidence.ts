/**
 * What a metrics dump cannot show: series without a DP-rank label (METRICS_WITHOUT_RANK). SGLang
 * labels its scheduler gauges with `dp_rank` only under `--enable-metrics-for-all-schedulers`
 * (PR #7597; without it `/metrics` shows one scheduler, issue #6892); TensorRT-LLM's Prometheus
 * metrics carry no attention-DP rank label at all; a re-exporter may drop the label (the sawtooth
 * of miles PR #2023). Such series are not judged: one rank's numbers, or all ranks' summed, look
 * like balance.
 */
import type { DerivedStats } from '../aggregate/metric-series.ts';
import type { WorkerState } from '../aggregate/worker-state.ts';
import type { Finding, IdlePeriod, IdleRank, Thresholds } from '../model/report.ts';
import { isoTime } from './rows.ts';
import { groupIdlePeriods, IDLE_RANKS_LISTED } from './windows.ts';

export function metricsWithoutRank(workers: readonly WorkerState[]): Finding[] {
  const findings: Finding[] = [];
  for (const w of workers) {
    for (const [engine, samples] of [...w.metrics.unranked()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      findings.push({ code: 'METRICS_WITHOUT_RANK', level: 'warn', phase: null, worker: w.name, engine, samples });
    }
  }
  return findings;
}

/**
 * The per-moment rules on metrics dumps, with the findings the batch rules use, where a scrape
 * stands for a window and a rank "ran" in a scrape when it had requests running:
 * - IDLE_RANK: a rank with nothing running or waiting in any scrape while its peers ran requests
 *   in enough scrapes (at least minBatches) that idleness is no chance;
 * - QUEUED_WHILE_PEER_IDLE: the share of scrapes in which one rank had requests waiting while another
 *   had nothing running or waiting (queuedIdleWarn / queuedIdleFail);
 * - RUNNING_CEILING: a rank whose running count was one constant value > 0 in every scrape where
 *   it had requests waiting, over at least ceilingMinLines such scrapes (a cap, not demand);
 * - IDLE_PERIOD: a rank with nothing running or waiting in consecutive scrapes, each while a peer
 *   had requests running, spanning at least idleMinSeconds from the first such scrape to the last
 *   (what happened between scrapes is not known, so the span is never stretched past them; a rank
 *   idle in every scrape is IDLE_RANK's).
 * Judged per server of a dump (`<worker> <worker_type:worker_id>` for Dynamo labels).
 */
export function judgeMetricSeries(workers: readonly WorkerState[], t: Thresholds): Finding[] {
  const findings: Finding[] = [];
  for (const w of workers) {
    if (w.metrics.series.size === 0) continue;
    for (const [server, ranks] of w.metrics.derivedStats()) {
      const name = server === '' ? w.name : `${w.name} ${server}`;
      findings.push(...judgeServer(name, ranks, t));
    }
  }
  return findings;
}

/** A rank "ran" in a scrape when it had requests running … */
const busy = (s: DerivedStats): boolean => (s.running ?? 0) > 0;
/** … and was idle when it had nothing running or waiting. */
const empty = (s: DerivedStats): boolean => (s.running ?? 0) === 0 && (s.waiting ?? 0) === 0;

function judgeServer(worker: string, ranks: ReadonlyMap<number, readonly DerivedStats[]>, t: Thresholds): Finding[] {
  const findings: Finding[] = [];
  const base = { phase: 'decode', worker } as const;
  const origin = { origin: 'metrics' } as const;
  const entries = [...ranks];
  if (entries.length < 2) return findings;
  const idle = entries.filter(([, rows]) => rows.length > 0 && rows.every(empty)).map(([rank]) => rank);
  const peerBusy = entries.filter(([rank]) => !idle.includes(rank)).reduce((n, [, rows]) => n + rows.filter(busy).length, 0);
  if (idle.length > 0 && idle.length < entries.length && peerBusy >= t.minBatches) {
    findings.push({ code: 'IDLE_RANK', level: 'fail', ...base, idleRanks: idle, ranks: entries.length, total: peerBusy, ...origin });
  }
  // Scrapes line up by position: every rank of one server is in every scrape of it.
  const moments = Math.min(...entries.map(([, rows]) => rows.length));
  let queuedIdle = 0;
  for (let i = 0; i < moments; i++) {
    const at = entries.map(([, rows]) => rows[i]).filter((s): s is DerivedStats => s !== undefined);
    if (at.some((s) => (s.waiting ?? 0) > 0) && at.some(empty)) queuedIdle++;
  }
  const share = moments > 0 ? queuedIdle / moments : 0;
  if (moments >= t.minBatches && share > t.queuedIdleWarn) {
    const fail = share > t.queuedIdleFail;
    findings.push({ code: 'QUEUED_WHILE_PEER_IDLE', level: fail ? 'fail' : 'warn', ...base, share, threshold: fail ? t.queuedIdleFail : t.queuedIdleWarn, windows: moments, ...origin });
  }
  const idleRanks = idlePeriodRanks(entries, idle, moments, t);
  if (idleRanks.length > 0) {
    findings.push({ code: 'IDLE_PERIOD', level: 'warn', ...base, ranks: idleRanks.slice(0, IDLE_RANKS_LISTED), moreRanks: Math.max(0, idleRanks.length - IDLE_RANKS_LISTED), ...origin });
  }
  for (const [rank, rows] of entries) {
    const queued = rows.filter((s) => (s.waiting ?? 0) > 0 && s.running !== undefined);
    const values = new Set(queued.map((s) => s.running));
    const [only] = values;
    if (queued.length >= t.ceilingMinLines && values.size === 1 && only !== undefined && only > 0) {
      findings.push({ code: 'RUNNING_CEILING', level: 'warn', ...base, rank, running: only, queuedLines: queued.length, ...origin });
    }
  }
  return findings;
}

/** IDLE_PERIOD's ranks on scrapes (see judgeMetricSeries); `idle`: ranks idle in every scrape, left to IDLE_RANK. */
function idlePeriodRanks(
  entries: ReadonlyArray<readonly [number, readonly DerivedStats[]]>,
  idle: readonly number[],
  moments: number,
  t: Thresholds,
): IdleRank[] {
  // Ranks with requests running per scrape: a rank that is itself empty has all of them as peers.
  const busyAt = new Uint32Array(moments);
  for (const [, rows] of entries) {
    for (let i = 0; i < moments; i++) {
      const s = rows[i];
      if (s !== undefined && busy(s)) busyAt[i] = (busyAt[i] ?? 0) + 1;
    }
  }
  const periods: IdlePeriod[] = [];
  for (const [rank, rows] of entries) {
    if (idle.includes(rank)) continue;
    let first = -1;
    let last = -1;
    let peerScrapes = 0;
    const close = (): void => {
      const start = rows[first]?.time;
      const end = rows[last]?.time;
      if (first >= 0 && start !== undefined && end !== undefined && (end - start) / 1000 >= t.idleMinSeconds) {
        periods.push({ rank, start: isoTime(start) ?? '', end: isoTime(end) ?? '', seconds: (end - start) / 1000, peerBatches: peerScrapes });
      }
      first = -1;
      peerScrapes = 0;
    };
    for (let i = 0; i < moments; i++) {
      const s = rows[i];
      if (s !== undefined && empty(s) && s.time !== undefined && (busyAt[i] ?? 0) > 0) {
        if (first < 0) first = i;
        last = i;
        peerScrapes += busyAt[i] ?? 0;
      } else close();
    }
    close();
  }
  return groupIdlePeriods(periods);
}
