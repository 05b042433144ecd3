/**
 * What the HTML page embeds as JSON and its script draws: the report reduced to what the page
 * shows, with every log-derived string already passed through `sanitize` and every sentence made
 * by the renderers (messages.ts), so the page's script only lays out, never words or judges.
 * The script (client/) type-checks against these types; the page never reads the Report itself.
 */
import type { Level, Verdict } from '../../model/report.ts';
import type { Phase } from '../../model/records.ts';

/** A time range a finding points at; `start`/`end` in the page's x units (see `PageSide.x`). */
export interface PageRange {
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

export interface PageFinding {
  readonly code: string;
  readonly level: Level;
  readonly phase: Phase | null;
  readonly message: string;
  readonly advice: string;
  /** the stretches of time it is about (idle periods, the worst window): a click zooms the charts to one */
  readonly ranges: readonly PageRange[];
}

/**
 * One phase's window rows as chart series. `x[i]` is the start of point i, `step` the seconds one
 * point covers; per-rank arrays are in the order of `ranks`.
 */
export interface PageSeries {
  readonly phase: Phase;
  readonly ranks: readonly number[];
  readonly x: readonly number[];
  readonly step: number;
  /** report rows (windows, after the report's own merging) behind each point: 1 unless down-sampled */
  readonly rowsPerPoint: number;
  readonly batches: ReadonlyArray<readonly number[]>;
  readonly maxQueue: ReadonlyArray<ReadonlyArray<number | null>>;
  readonly balance: ReadonlyArray<number | null>;
  readonly peerBalance: ReadonlyArray<number | null>;
}

/** A table cell: the text shown and the key it sorts by (`null` sorts last). */
export interface PageCell {
  readonly text: string;
  readonly sort: number | string | null;
  /** a share in [0, 1] drawn as a bar behind the text */
  readonly bar?: number;
}

export interface PageTable {
  readonly title: string;
  readonly note: string | null;
  readonly columns: readonly string[];
  /** columns holding numbers: right-aligned, sorted descending first */
  readonly numeric: readonly boolean[];
  readonly rows: ReadonlyArray<readonly PageCell[]>;
  /** a last row that sums the others: never sorted */
  readonly footer: readonly PageCell[] | null;
  /** click a header to sort (rank tables); plain tables keep their order */
  readonly sortable: boolean;
}

export interface PagePhase {
  readonly phase: Phase;
  readonly title: string;
  /** one line per headline number (peer balance, balance, max share, χ², worst worker) */
  readonly summary: readonly string[];
  readonly series: PageSeries | null;
  /** why there are no charts, when `series` is null */
  readonly noSeries: string | null;
  readonly tables: readonly PageTable[];
}

/** Everything of one run: the whole page for a report, one column of a comparison. */
export interface PageSide {
  readonly label: string;
  readonly verdict: Verdict;
  /** one sentence: why the verdict is what it is */
  readonly reason: string;
  /** counts of fail, warn and info findings */
  readonly counts: { readonly fail: number; readonly warn: number; readonly info: number };
  readonly interrupted: boolean;
  /** `time`: x is seconds since 1970 (UTC); `elapsed`: seconds since the run's first window */
  readonly x: 'time' | 'elapsed';
  /** peer balance below `warn` warns, below `fail` fails: drawn on the balance charts */
  readonly thresholds: { readonly warn: number; readonly fail: number };
  readonly facts: readonly string[];
  readonly findings: readonly PageFinding[];
  readonly phases: readonly PagePhase[];
  /** routing, requests, engine stats, assertions, workers, inputs, thresholds: in that order, those present */
  readonly sections: ReadonlyArray<{ readonly title: string; readonly tables: readonly PageTable[] }>;
}

export interface ReportPage {
  readonly kind: 'report';
  readonly title: string;
  readonly tool: string;
  readonly report: PageSide;
}

export interface ComparePage {
  readonly kind: 'compare';
  readonly title: string;
  readonly tool: string;
  readonly regression: boolean;
  /** one sentence: verdicts before → after, and the regression reasons */
  readonly reason: string;
  readonly before: PageSide;
  readonly after: PageSide;
  /** per phase: ranks before vs after, with Δ share */
  readonly tables: readonly PageTable[];
}

export type Page = ReportPage | ComparePage;
