/**
 * Balance over time (prior-art.md §5 "Windowed statistics"): the run is cut into fixed windows;
 * per window and rank we have batches, new tokens and the peak queue. Whole-run totals hide the
 * imbalance that hurts (a run balanced at 1.22× overall reached 19× in single windows), so:
 * - window balance (mean/max, idle ranks as 0) over active windows: min, p10, p50, the worst window;
 * - WINDOW_SKEW: more than `windowSkewShare` of active windows skewed (balance < warn and χ² p < alpha);
 * - IDLE_PERIOD: a rank with no batch for ≥ `idleMinSeconds` while its peers ran enough batches
 *   that a zero is not chance (their mean per rank ≥ minBatchesPerRank, P(0) < e⁻¹⁰ under Poisson);
 * - QUEUED_WHILE_PEER_IDLE: share of active windows where one rank queued while another ran nothing
 *   (only windows busy enough, ≥ MIN_EXPECTED_PER_RANK batches per rank on average, can show it);
 * - RUNNING_CEILING: #running-req pinned at one value > 0 over many queued lines.
 * Windows where nobody worked are skipped, never called balanced.
 */
import type { RankGroupData } from '../aggregate/aggregate.ts';
import { commonBucketWidth } from '../aggregate/bucket-series.ts';
import { BUCKET_MS, type RankAccumulator } from '../aggregate/rank-accumulator.ts';
import type { Phase } from '../parse/types.ts';
import { isoTime } from '../report/rows.ts';
import type { Finding, IdlePeriod, PhaseWindows, Thresholds, WindowRow, WindowsReport } from '../report/types.ts';
import { chiSquareUniform } from './chi-square.ts';

/** `--window auto` aims at about this many windows … */
export const AUTO_WINDOW_TARGET = 300;
/** … snapped up to one of these sizes (seconds), as srt-slurm's dashboard does. */
export const WINDOW_SNAPS_S = [5, 10, 15, 30, 60, 120, 300, 600] as const;
/** JSON keeps at most this many window rows per phase; more are merged pairwise-adjacent. */
export const MAX_WINDOW_ROWS = 1000;
/** At most this many windows: a longer span (or garbled timestamps years apart) widens the window. */
export const MAX_WINDOWS = 20_000;
/** A window can show "queued while a peer was idle" only with this many batches per rank on average. */
export const MIN_EXPECTED_PER_RANK = 5;

export interface WindowInput {
  readonly phase: Phase;
  /** all workers' ranks merged (windows are judged across workers) */
  readonly group: RankGroupData | undefined;
}

/**
 * Window size for a span: `auto` → span/300 snapped up; an explicit size is rounded up to whole
 * buckets. `unitMs`: the widest bucket present (buckets widen on long spans: bucket-series.ts);
 * the size is a multiple of it, so every window sums whole buckets.
 */
export function chooseWindowMs(spanMs: number, requestedMs: number | 'auto', unitMs: number = BUCKET_MS): number {
  let size: number;
  if (requestedMs !== 'auto') {
    size = Math.max(unitMs, Math.ceil(requestedMs / unitMs) * unitMs);
  } else {
    const wanted = spanMs / AUTO_WINDOW_TARGET / 1000;
    size = Math.ceil(((WINDOW_SNAPS_S.find((s) => s >= wanted) ?? WINDOW_SNAPS_S[WINDOW_SNAPS_S.length - 1] ?? 600) * 1000) / unitMs) * unitMs;
  }
  return spanMs / size > MAX_WINDOWS ? Math.ceil(spanMs / MAX_WINDOWS / unitMs) * unitMs : size;
}

export function analyzeWindows(
  inputs: readonly WindowInput[],
  requestedMs: number | 'auto',
  t: Thresholds,
): { windows: WindowsReport | null; findings: Finding[] } {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const { group } of inputs) {
    for (const { totals } of group?.ranks ?? []) {
      const range = totals.buckets.indexRange();
      if (range === null) continue;
      first = Math.min(first, range[0]);
      last = Math.max(last, range[1]);
    }
  }
  if (!Number.isFinite(first)) return { windows: null, findings: [] };
  // Buckets widened on a long span are summed whole: the grid starts and steps at the widest.
  const unit = commonBucketWidth(inputs.flatMap(({ group }) => group?.ranks.map((r) => r.totals.buckets) ?? []));
  first = Math.floor(first / unit) * unit;
  const sizeMs = chooseWindowMs((last - first + 1) * BUCKET_MS, requestedMs, unit * BUCKET_MS);
  const perWindow = sizeMs / BUCKET_MS;
  const count = Math.floor((last - first) / perWindow) + 1;
  const startMs = first * BUCKET_MS;
  const findings: Finding[] = [];
  const phases: Record<Phase, PhaseWindows | null> = { prefill: null, decode: null };
  for (const { phase, group } of inputs) {
    if (group === undefined || group.ranks.length === 0) continue;
    const analysis = analyzePhase(phase, group, { startMs, sizeMs, perWindow, first, count }, t);
    phases[phase] = analysis.windows;
    findings.push(...analysis.findings);
  }
  return {
    windows: {
      sizeSeconds: sizeMs / 1000,
      auto: requestedMs === 'auto',
      start: isoTime(startMs) ?? '',
      end: isoTime(startMs + count * sizeMs) ?? '',
      count,
      prefill: phases.prefill,
      decode: phases.decode,
    },
    findings,
  };
}

interface Grid {
  readonly startMs: number;
  readonly sizeMs: number;
  readonly perWindow: number;
  /** first bucket index */
  readonly first: number;
  readonly count: number;
}

function analyzePhase(phase: Phase, group: RankGroupData, grid: Grid, t: Thresholds): { windows: PhaseWindows; findings: Finding[] } {
  const ranks = group.ranks.map((r) => r.rank);
  const n = ranks.length;
  const batches = matrix(grid.count, n, 0);
  const tokens = matrix(grid.count, n, 0);
  const queue = matrix(grid.count, n, -1);
  group.ranks.forEach(({ totals }, r) => {
    const sums = totals.buckets.windowTotals(grid.first, grid.perWindow, grid.count);
    for (let w = 0; w < grid.count; w++) {
      const bRow = batches[w];
      const kRow = tokens[w];
      const qRow = queue[w];
      if (bRow === undefined || kRow === undefined || qRow === undefined) continue;
      bRow[r] = sums.batches[w] ?? 0;
      kRow[r] = sums.newTokens[w] ?? 0;
      qRow[r] = sums.maxQueue[w] ?? -1;
    }
  });
  const windowStart = (w: number): number => grid.startMs + w * grid.sizeMs;

  const balances: number[] = [];
  let skewed = 0;
  let worst: { w: number; balance: number; skewed: boolean } | null = null;
  let queuedWhileIdle = 0;
  let active = 0;
  for (let w = 0; w < grid.count; w++) {
    const row = batches[w] ?? [];
    const total = sum(row);
    if (total === 0) continue;
    active++;
    const balance = total / n / Math.max(...row);
    balances.push(balance);
    const p = chiSquareUniform(row)?.pValue ?? 1;
    const isSkewed = n > 1 && balance < t.warnBalance && p < t.alpha;
    if (isSkewed) skewed++;
    if (worst === null || (isSkewed && !worst.skewed) || (isSkewed === worst.skewed && balance < worst.balance)) worst = { w, balance, skewed: isSkewed };
    if (n > 1 && total / n >= MIN_EXPECTED_PER_RANK) {
      const q = queue[w] ?? [];
      if (q.some((value, r) => value > 0 && row.some((other, o) => o !== r && other === 0))) queuedWhileIdle++;
    }
  }

  // A rank that never ran is IDLE_RANK's business; its "period" would be the whole run.
  const neverRan = new Set(group.ranks.filter((r) => r.totals.batches === 0).map((r) => r.rank));
  const idlePeriods = findIdlePeriods(ranks, batches, grid, t).filter((p) => !neverRan.has(p.rank));
  const significantIdle = idlePeriods.filter((p) => p.significant);
  const firstIdle = significantIdle.reduce<(typeof significantIdle)[number] | null>((a, b) => (a === null || b.startMs < a.startMs ? b : a), null);
  const reported = significantIdle.filter((p) => p.seconds >= t.idleMinSeconds).sort((a, b) => b.seconds - a.seconds || a.startMs - b.startMs);

  const sorted = [...balances].sort((a, b) => a - b);
  const windows: PhaseWindows = {
    phase,
    ranks,
    activeWindows: active,
    balance: {
      min: sorted[0] ?? null,
      p10: nearestRank(sorted, 0.1),
      p50: nearestRank(sorted, 0.5),
      mean: sorted.length === 0 ? null : sum(sorted) / sorted.length,
    },
    worst:
      worst === null
        ? null
        : {
            start: isoTime(windowStart(worst.w)) ?? '',
            end: isoTime(windowStart(worst.w + 1)) ?? '',
            balance: worst.balance,
            batches: batches[worst.w] ?? [],
          },
    skewedShare: active === 0 ? null : skewed / active,
    idlePeriods: reported.map(toIdlePeriod),
    firstIdle: firstIdle === null ? null : { rank: firstIdle.rank, start: isoTime(firstIdle.startMs) ?? '' },
    queuedWhilePeerIdleShare: active === 0 || n < 2 ? null : queuedWhileIdle / active,
    ...boundedRows(batches, tokens, queue, grid, n),
  };

  const findings: Finding[] = [];
  const base = { phase, worker: null } as const;
  if (windows.skewedShare !== null && windows.skewedShare > t.windowSkewShare && windows.worst !== null) {
    findings.push({
      code: 'WINDOW_SKEW',
      level: 'warn',
      ...base,
      skewedShare: windows.skewedShare,
      threshold: t.windowSkewShare,
      worstStart: windows.worst.start,
      worstBalance: windows.worst.balance,
      windowSeconds: grid.sizeMs / 1000,
    });
  }
  const longestByRank = new Map<number, { period: IdlePeriod; more: number }>();
  for (const period of windows.idlePeriods) {
    const seen = longestByRank.get(period.rank);
    if (seen === undefined) longestByRank.set(period.rank, { period, more: 0 });
    else seen.more++;
  }
  for (const { period, more } of longestByRank.values()) {
    findings.push({ code: 'IDLE_PERIOD', level: 'warn', ...base, ...period, morePeriods: more });
  }
  const share = windows.queuedWhilePeerIdleShare;
  if (share !== null && share > t.queuedIdleWarn) {
    const fail = share > t.queuedIdleFail;
    findings.push({
      code: 'QUEUED_WHILE_PEER_IDLE',
      level: fail ? 'fail' : 'warn',
      ...base,
      share,
      threshold: fail ? t.queuedIdleFail : t.queuedIdleWarn,
      windows: queuedWhileIdle,
    });
  }
  for (const { rank, totals } of group.ranks) findings.push(...ceiling(phase, rank, totals, t));
  return { windows, findings };
}

interface RawIdlePeriod extends IdlePeriod {
  readonly startMs: number;
  readonly significant: boolean;
}

/** Maximal runs of windows in which a rank ran nothing while its peers did (nobody-worked windows end a run). */
function findIdlePeriods(ranks: readonly number[], batches: readonly number[][], grid: Grid, t: Thresholds): RawIdlePeriod[] {
  const n = ranks.length;
  if (n < 2) return [];
  const periods: RawIdlePeriod[] = [];
  ranks.forEach((rank, r) => {
    let from = -1;
    let peers = 0;
    const close = (to: number): void => {
      if (from < 0) return;
      const startMs = grid.startMs + from * grid.sizeMs;
      const endMs = grid.startMs + to * grid.sizeMs;
      periods.push({
        rank,
        start: isoTime(startMs) ?? '',
        end: isoTime(endMs) ?? '',
        seconds: (endMs - startMs) / 1000,
        peerBatches: peers,
        startMs,
        significant: peers / (n - 1) >= t.minBatchesPerRank,
      });
      from = -1;
      peers = 0;
    };
    for (let w = 0; w < grid.count; w++) {
      const row = batches[w] ?? [];
      const others = sum(row) - (row[r] ?? 0);
      if ((row[r] ?? 0) === 0 && others > 0) {
        if (from < 0) from = w;
        peers += others;
      } else {
        close(w);
      }
    }
    close(grid.count);
  });
  return periods;
}

function toIdlePeriod(p: RawIdlePeriod): IdlePeriod {
  return { rank: p.rank, start: p.start, end: p.end, seconds: p.seconds, peerBatches: p.peerBatches };
}

function ceiling(phase: Phase, rank: number, totals: RankAccumulator, t: Thresholds): Finding[] {
  const running = totals.runningMaxWhenQueued;
  if (totals.queuedLines < t.ceilingMinLines || running === null || running <= 0 || totals.runningMinWhenQueued !== running) return [];
  return [{ code: 'RUNNING_CEILING', level: 'warn', phase, worker: null, rank, running, queuedLines: totals.queuedLines }];
}

/** Window rows for the report, merging adjacent windows so there are at most MAX_WINDOW_ROWS. */
function boundedRows(
  batches: readonly number[][],
  tokens: readonly number[][],
  queue: readonly number[][],
  grid: Grid,
  n: number,
): { rows: WindowRow[]; mergedWindows: number } {
  const merge = Math.max(1, Math.ceil(grid.count / MAX_WINDOW_ROWS));
  const rows: WindowRow[] = [];
  for (let w = 0; w < grid.count; w += merge) {
    const b = filled(n, 0);
    const k = filled(n, 0);
    const q = filled(n, -1);
    for (let m = w; m < Math.min(grid.count, w + merge); m++) {
      for (let r = 0; r < n; r++) {
        b[r] = (b[r] ?? 0) + (batches[m]?.[r] ?? 0);
        k[r] = (k[r] ?? 0) + (tokens[m]?.[r] ?? 0);
        q[r] = Math.max(q[r] ?? -1, queue[m]?.[r] ?? -1);
      }
    }
    const total = sum(b);
    rows.push({
      start: isoTime(grid.startMs + w * grid.sizeMs) ?? '',
      batches: b,
      newTokens: k,
      maxQueue: q.map((v) => (v < 0 ? null : v)),
      balance: total === 0 ? null : total / n / Math.max(...b),
    });
  }
  return { rows, mergedWindows: merge };
}

function matrix(rows: number, cols: number, fill: number): number[][] {
  return Array.from({ length: rows }, () => filled(cols, fill));
}

function filled(length: number, value: number): number[] {
  return Array.from({ length }, () => value);
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? null;
}
