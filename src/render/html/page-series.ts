/**
 * A phase's window rows as the page's chart series, down-sampled so no series has more than
 * MAX_POINTS points. The report already merges adjacent windows (at most 1,000 rows a phase, and
 * rows × ranks at most 65,536: analyze/windows.ts), so this only bites on reports made otherwise;
 * the page's size and drawing time stay bounded whatever it is given.
 *
 * The rule, for k = ⌈rows / MAX_POINTS⌉ adjacent rows merged into one point:
 * - batches: the sum (totals, and so each rank's share of a point, stay exact);
 * - peak queue: the maximum (a peak is never averaged away);
 * - balance and peer balance: the minimum (the worst stretch stays visible), each row's peer
 *   balance computed from its own batches before merging.
 */
import { peerBalance } from '../../analyze/balance.ts';
import type { PhaseWindows, WindowRow, WindowsReport } from '../../model/report.ts';
import type { PageSeries } from './page-types.ts';

/** Most points in one series of the page: enough for a full-width chart at two points a pixel. */
export const MAX_POINTS = 2000;

/**
 * @param origin `null`: x in seconds since 1970; a number: seconds since that instant (ms), for
 *   charts of two runs on one axis
 */
export function pageSeries(windows: WindowsReport, phase: PhaseWindows, origin: number | null, maxPoints = MAX_POINTS): PageSeries {
  const rows = phase.rows;
  const n = phase.ranks.length;
  const k = Math.max(1, Math.ceil(rows.length / Math.max(1, maxPoints)));
  const x: number[] = [];
  const batches = phase.ranks.map((): number[] => []);
  const maxQueue = phase.ranks.map((): Array<number | null> => []);
  const balance: Array<number | null> = [];
  const peer: Array<number | null> = [];
  for (let first = 0; first < rows.length; first += k) {
    const group = rows.slice(first, first + k);
    x.push((Date.parse(group[0]?.start ?? '') - (origin ?? 0)) / 1000);
    for (let r = 0; r < n; r++) {
      batches[r]?.push(group.reduce((s, row) => s + (row.batches[r] ?? 0), 0));
      maxQueue[r]?.push(maxOf(group.map((row) => row.maxQueue[r] ?? null)));
    }
    balance.push(minOf(group.map((row) => row.balance)));
    peer.push(minOf(group.map(rowPeerBalance)));
  }
  return {
    phase: phase.phase,
    ranks: phase.ranks,
    x,
    step: windows.sizeSeconds * phase.mergedWindows * k,
    rowsPerPoint: k,
    batches,
    maxQueue,
    balance,
    peerBalance: peer,
  };
}

/** The row's peer balance of batches (the other ranks' mean / the busiest); `null` when nobody worked. */
export function rowPeerBalance(row: WindowRow): number | null {
  let total = 0;
  let max = 0;
  for (const b of row.batches) {
    total += b;
    if (b > max) max = b;
  }
  return peerBalance(row.batches.length, total, max);
}

function maxOf(values: ReadonlyArray<number | null>): number | null {
  let out: number | null = null;
  for (const v of values) if (v !== null && (out === null || v > out)) out = v;
  return out;
}

function minOf(values: ReadonlyArray<number | null>): number | null {
  let out: number | null = null;
  for (const v of values) if (v !== null && (out === null || v < out)) out = v;
  return out;
}
