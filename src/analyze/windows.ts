/**
 * Balance over time: the run is cut into fixed windows;
 * per window and rank we have batches, new tokens and the peak queue. Whole-run totals hide the
 * imbalance that hurts (a run balanced at 1.22× overall reached 19× in single windows), so:
 * - window balance (mean/max) and peer balance over active windows: min, p10, p50, the worst window;
 * - WINDOW_SKEW: more than `windowSkewShare` of active windows skewed (peer balance < warn and χ²
 *   p < alpha);
 * - IDLE_PERIOD: a rank with no batch for ≥ `idleMinSeconds` while its peers ran enough batches
 *   that a zero is not chance, grouped per rank;
 * - QUEUED_WHILE_PEER_IDLE: share of active windows where one rank queued while another ran nothing
 *   (only windows busy enough that an idle rank is not chance count);
 * - RUNNING_CEILING: #running-req pinned at one value > 0 over many queued lines.
 * Windows where nobody worked are skipped, never called balanced.
 *
 * Every gate means the same at any rank count: "not chance" is judged under a Poisson model
 * with a Bonferroni correction over the n ranks (P(some rank at 0) = n·e^−λ), so 4096 ranks do not
 * find idle ranks where 4 would not. Time and memory are linear in ranks × windows, and the
 * number of windows shrinks as ranks grow so that ranks × windows stays bounded (MAX_WINDOW_CELLS).
 */
import type { RankGroupData } from '../aggregate/aggregate.ts';
import { commonBucketWidth } from '../aggregate/bucket-series.ts';
import { BUCKET_MS, type RankAccumulator } from '../aggregate/rank-accumulator.ts';
import type { Phase } from '../model/records.ts';
import { isoTime } from './rows.ts';
import type { Finding, IdlePeriod, IdleRank, PhaseWindows, Thresholds, WindowRow, WindowsReport } from '../model/report.ts';
import { peerBalance } from './balance.ts';
import { chiSquareUniform } from './chi-square.ts';
import { skewLevel } from './detect.ts';

/** `--window auto` aims at about this many windows … */
export const AUTO_WINDOW_TARGET = 300;
/** … snapped up to one of these sizes (seconds), as srt-slurm's dashboard does. */
export const WINDOW_SNAPS_S = [5, 10, 15, 30, 60, 120, 300, 600] as const;
/** JSON keeps at most this many window rows per phase, and rows × ranks at most MAX_ROW_CELLS; more are merged. */
export const MAX_WINDOW_ROWS = 1000;
export const MAX_ROW_CELLS = 65_536;
/** At most this many windows: a longer span (or garbled timestamps years apart) widens the window. */
export const MAX_WINDOWS = 20_000;
/** At most this many window × rank cells per phase (a few MB of typed arrays), whatever the rank count. */
export const MAX_WINDOW_CELLS = 2_000_000;
/** A window can show "queued while a peer was idle" only with at least this many batches per rank on average … */
export const MIN_EXPECTED_PER_RANK = 5;
/** … and enough that, at this probability, no rank of an evenly loaded window would be idle by chance. */
export const IDLE_CHANCE = 0.01;
/** IDLE_RANKS_LISTED ranks are listed in an IDLE_PERIOD finding; the rest are counted. */
export const IDLE_RANKS_LISTED = 16;

export interface WindowInput {
  readonly phase: Phase;
  /** all workers' ranks merged (windows are judged across workers) */
  readonly group: RankGroupData | undefined;
}

/**
 * Window size for a span: `auto` → span/300 snapped up; an explicit size is rounded up to whole
 * buckets. `unitMs`: the widest bucket present (buckets widen on long spans: bucket-series.ts);
 * the size is a multiple of it, so every window sums whole buckets. Either is widened so there are
 * at most MAX_WINDOWS windows and MAX_WINDOW_CELLS cells (windows × ranks).
 */
export function chooseWindowMs(spanMs: number, requestedMs: number | 'auto', ranks = 1, unitMs: number = BUCKET_MS): number {
  let size: number;
  if (requestedMs !== 'auto') {
    size = Math.max(unitMs, Math.ceil(requestedMs / unitMs) * unitMs);
  } else {
    const wanted = spanMs / AUTO_WINDOW_TARGET / 1000;
    size = Math.ceil(((WINDOW_SNAPS_S.find((s) => s >= wanted) ?? WINDOW_SNAPS_S[WINDOW_SNAPS_S.length - 1] ?? 600) * 1000) / unitMs) * unitMs;
  }
  const maxWindows = Math.max(1, Math.min(MAX_WINDOWS, Math.floor(MAX_WINDOW_CELLS / Math.max(1, ranks))));
  return spanMs / size > maxWindows ? Math.ceil(spanMs / maxWindows / unitMs) * unitMs : size;
}

export function analyzeWindows(
  inputs: readonly WindowInput[],
  requestedMs: number | 'auto',
  t: Thresholds,
): { windows: WindowsReport | null; findings: Finding[] } {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let ranks = 1;
  for (const { group } of inputs) {
    ranks = Math.max(ranks, group?.ranks.length ?? 0);
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
  const sizeMs = chooseWindowMs((last - first + 1) * BUCKET_MS, requestedMs, ranks, unit * BUCKET_MS);
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

/** Per window (row) and rank (column), row-major: batches, new tokens, peak queue (−1: none). */
interface Cells {
  readonly n: number;
  readonly batches: Float64Array;
  readonly tokens: Float64Array;
  readonly queue: Float64Array;
  /** batches per window over all ranks */
  readonly totals: Float64Array;
}

/**
 * Batches a rank needs on average in a window (or period) before a zero on one of n ranks is more
 * than chance at probability `chance`: λ with n·e^−λ ≤ chance, i.e. λ ≥ ln(n / chance).
 */
export function notChanceBatches(n: number, chance: number): number {
  return Math.log(Math.max(1, n) / chance);
}

function cellsOf(group: RankGroupData, grid: Grid): Cells {
  const n = group.ranks.length;
  const size = grid.count * n;
  const cells: Cells = { n, batches: new Float64Array(size), tokens: new Float64Array(size), queue: new Float64Array(size).fill(-1), totals: new Float64Array(grid.count) };
  group.ranks.forEach(({ totals }, r) => {
    const sums = totals.buckets.windowTotals(grid.first, grid.perWindow, grid.count);
    for (let w = 0; w < grid.count; w++) {
      const b = sums.batches[w] ?? 0;
      cells.batches[w * n + r] = b;
      cells.tokens[w * n + r] = sums.newTokens[w] ?? 0;
      cells.queue[w * n + r] = sums.maxQueue[w] ?? -1;
      cells.totals[w] = (cells.totals[w] ?? 0) + b;
    }
  });
  return cells;
}

function analyzePhase(phase: Phase, group: RankGroupData, grid: Grid, t: Thresholds): { windows: PhaseWindows; findings: Finding[] } {
  const ranks = group.ranks.map((r) => r.rank);
  const n = ranks.length;
  const cells = cellsOf(group, grid);
  const windowStart = (w: number): number => grid.startMs + w * grid.sizeMs;
  const row = (w: number): number[] => Array.from(cells.batches.subarray(w * n, (w + 1) * n));
  // A window can show an idle rank next to a queued one only when a zero on it is not chance.
  const busyEnough = Math.max(MIN_EXPECTED_PER_RANK, notChanceBatches(n, IDLE_CHANCE));

  const balances: number[] = [];
  const peers: number[] = [];
  let skewed = 0;
  let worst: { w: number; balance: number; peer: number; skewed: boolean } | null = null;
  let queuedWhileIdle = 0;
  let active = 0;
  for (let w = 0; w < grid.count; w++) {
    const total = cells.totals[w] ?? 0;
    if (total === 0) continue;
    active++;
    let max = 0;
    let zeros = 0;
    for (let r = 0; r < n; r++) {
      const b = cells.batches[w * n + r] ?? 0;
      if (b > max) max = b;
      if (b === 0) zeros++;
    }
    const balance = total / n / max;
    const peer = peerBalance(n, total, max) ?? 1;
    balances.push(balance);
    peers.push(peer);
    const isSkewed = n > 1 && skewLevel(peer, t) !== null && (chiSquareUniform(cells.batches.subarray(w * n, (w + 1) * n))?.pValue ?? 1) < t.alpha;
    if (isSkewed) skewed++;
    if (worst === null || (isSkewed && !worst.skewed) || (isSkewed === worst.skewed && peer < worst.peer)) worst = { w, balance, peer, skewed: isSkewed };
    if (n > 1 && zeros > 0 && total / n >= busyEnough) {
      // Some rank queued while another (not itself) ran nothing.
      for (let r = 0; r < n; r++) {
        if ((cells.queue[w * n + r] ?? -1) > 0 && zeros - ((cells.batches[w * n + r] ?? 0) === 0 ? 1 : 0) > 0) {
          queuedWhileIdle++;
          break;
        }
      }
    }
  }

  // A rank that never ran is IDLE_RANK's business; its "period" would be the whole run.
  const neverRan = new Set(group.ranks.filter((r) => r.totals.batches === 0).map((r) => r.rank));
  const idlePeriods = findIdlePeriods(ranks, cells, grid, t).filter((p) => !neverRan.has(p.rank));
  const significantIdle = idlePeriods.filter((p) => p.significant);
  const firstIdle = significantIdle.reduce<(typeof significantIdle)[number] | null>((a, b) => (a === null || b.startMs < a.startMs ? b : a), null);
  const reported = significantIdle.filter((p) => p.seconds >= t.idleMinSeconds).sort((a, b) => b.seconds - a.seconds || a.startMs - b.startMs);

  const windows: PhaseWindows = {
    phase,
    ranks,
    activeWindows: active,
    balance: summary(balances),
    peerBalance: summary(peers),
    worst:
      worst === null
        ? null
        : { start: isoTime(windowStart(worst.w)) ?? '', end: isoTime(windowStart(worst.w + 1)) ?? '', balance: worst.balance, peerBalance: worst.peer, batches: row(worst.w) },
    skewedShare: active === 0 ? null : skewed / active,
    idlePeriods: reported.map(toIdlePeriod),
    firstIdle: firstIdle === null ? null : { rank: firstIdle.rank, start: isoTime(firstIdle.startMs) ?? '' },
    queuedWhilePeerIdleShare: active === 0 || n < 2 ? null : queuedWhileIdle / active,
    ...boundedRows(cells, grid),
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
      worstPeerBalance: windows.worst.peerBalance,
      windowSeconds: grid.sizeMs / 1000,
    });
  }
  const idleRanks = groupIdlePeriods(windows.idlePeriods);
  if (idleRanks.length > 0) {
    findings.push({ code: 'IDLE_PERIOD', level: 'warn', ...base, ranks: idleRanks.slice(0, IDLE_RANKS_LISTED), moreRanks: Math.max(0, idleRanks.length - IDLE_RANKS_LISTED) });
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

/** Idle periods per rank, the rank with the longest period first. */
export function groupIdlePeriods(periods: readonly IdlePeriod[]): IdleRank[] {
  const byRank = new Map<number, { periods: number; totalSeconds: number; longest: IdlePeriod }>();
  for (const p of periods) {
    const seen = byRank.get(p.rank);
    if (seen === undefined) byRank.set(p.rank, { periods: 1, totalSeconds: p.seconds, longest: p });
    else {
      seen.periods++;
      seen.totalSeconds += p.seconds;
      if (p.seconds > seen.longest.seconds) seen.longest = p;
    }
  }
  return [...byRank.entries()]
    .map(([rank, r]) => ({ rank, ...r }))
    .sort((a, b) => b.longest.seconds - a.longest.seconds || a.rank - b.rank);
}

function summary(values: number[]): PhaseWindows['balance'] {
  const sorted = values.sort((a, b) => a - b);
  return { min: sorted[0] ?? null, p10: nearestRank(sorted, 0.1), p50: nearestRank(sorted, 0.5), mean: sorted.length === 0 ? null : sum(sorted) / sorted.length };
}

interface RawIdlePeriod extends IdlePeriod {
  readonly startMs: number;
  readonly significant: boolean;
}

/**
 * Maximal runs of windows in which a rank ran nothing while its peers did (nobody-worked windows
 * end a run). A period is significant when the peers ran enough meanwhile that a zero is not
 * chance: on average ≥ minBatchesPerRank each and ≥ ln(n / alpha) (notChanceBatches). O(ranks × windows).
 */
function findIdlePeriods(ranks: readonly number[], cells: Cells, grid: Grid, t: Thresholds): RawIdlePeriod[] {
  const n = ranks.length;
  if (n < 2) return [];
  const needed = Math.max(t.minBatchesPerRank, notChanceBatches(n, t.alpha));
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
        significant: peers / (n - 1) >= needed,
      });
      from = -1;
      peers = 0;
    };
    for (let w = 0; w < grid.count; w++) {
      const mine = cells.batches[w * n + r] ?? 0;
      const others = (cells.totals[w] ?? 0) - mine;
      if (mine === 0 && others > 0) {
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

/** Window rows for the report, merging adjacent windows so rows and rows × ranks stay bounded. */
function boundedRows(cells: Cells, grid: Grid): { rows: WindowRow[]; mergedWindows: number } {
  const n = cells.n;
  const maxRows = Math.max(1, Math.min(MAX_WINDOW_ROWS, Math.floor(MAX_ROW_CELLS / Math.max(1, n))));
  const merge = Math.max(1, Math.ceil(grid.count / maxRows));
  const rows: WindowRow[] = [];
  for (let w = 0; w < grid.count; w += merge) {
    const b = Array.from({ length: n }, () => 0);
    const k = Array.from({ length: n }, () => 0);
    const q = Array.from({ length: n }, () => -1);
    for (let m = w; m < Math.min(grid.count, w + merge); m++) {
      for (let r = 0; r < n; r++) {
        b[r] = (b[r] ?? 0) + (cells.batches[m * n + r] ?? 0);
        k[r] = (k[r] ?? 0) + (cells.tokens[m * n + r] ?? 0);
        q[r] = Math.max(q[r] ?? -1, cells.queue[m * n + r] ?? -1);
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

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? null;
}
