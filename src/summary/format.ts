/** The `--save` summary format: its shape, version and the sentences naming what is wrong with a file. */
import { STATE_JSON_VERSION, type WorkerJson } from '../aggregate/worker-state.ts';
import type { InputSummary } from '../model/report.ts';

export const SUMMARY_FORMAT = 'dpskew-summary';
/**
 * 3: a DP rank's lines keyed by their TP, PP and ATTN_CP labels together (worker-state.ts labelKey),
 * where 2 keyed them by TP and kept no PP>0 lines; 2: buckets as one flat array. 1 and 2 are still read.
 */
export const SUMMARY_VERSION = STATE_JSON_VERSION;
export const READABLE_VERSIONS: readonly number[] = [1, 2, SUMMARY_VERSION];
export const SUMMARY_EMPTY = 'not a dpskew summary: the file is empty';
export const SUMMARY_FORMAT_MISSING = `not a dpskew summary (write one with --save): no "format": "${SUMMARY_FORMAT}"`;
export const SUMMARY_INTERRUPTED = 'saved by an interrupted run (Ctrl-C): its numbers cover only what was read, so the report is partial';

export interface Summary {
  readonly format: typeof SUMMARY_FORMAT;
  readonly summaryVersion: number;
  readonly tool: { readonly name: 'dpskew'; readonly version: string };
  /** settings that changed what was read; merging summaries read differently is refused */
  readonly settings: SummarySettings;
  readonly inputs: readonly InputSummary[];
  readonly skippedFiles: readonly string[];
  readonly workers: readonly WorkerJson[];
  /** present, true, when the run that wrote it was interrupted: its numbers cover only what was read */
  readonly interrupted?: true;
}

export interface SummarySettings {
  readonly timezone: string;
  readonly engine: string;
  readonly patterns: readonly string[];
  readonly timeRange: { readonly since: number | null; readonly until: number | null } | null;
  readonly maxLineBytes: number;
}

