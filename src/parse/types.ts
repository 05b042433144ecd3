/**
 * What a parser turns one log line into. Parsers are pure and never throw: a bad line is data
 * (`unparseable` with a reason), an uninteresting line is `ignored`.
 */

export type Phase = 'prefill' | 'decode';

/** Parallel-rank labels from a line prefix; `undefined` when the label is absent. */
export interface RankLabels {
  /** Attention-DP rank (`DP3`). `-1` is SGLang v0.3.6's bogus `DP-1` label (means "no DP"). */
  dp: number | undefined;
  tp: number | undefined;
  pp: number | undefined;
  attnCp: number | undefined;
  moeDp: number | undefined;
  ep: number | undefined;
}

/** One `Prefill batch` or `Decode batch` line. Every field is present (possibly `undefined`) so records keep one shape. */
export interface BatchRecord {
  readonly kind: 'batch';
  readonly phase: Phase;
  /**
   * Wall-clock time of the line in ms since the epoch, reading a zone-less timestamp as UTC.
   * `undefined` when the line has no full date (SGLang v0.3.0–v0.3.3 printed only HH:MM:SS).
   */
  readonly time: number | undefined;
  readonly ranks: RankLabels;
  /** `#new-seq` (prefill) */
  readonly newSeq: number | undefined;
  /** `#new-token` (prefill) */
  readonly newTokens: number | undefined;
  /** `#cached-token` */
  readonly cachedTokens: number | undefined;
  /** `#running-req`, or the v0.3 mixed-chunk `Prefill batch(mixed #running-req: N)` value */
  readonly running: number | undefined;
  /** `#queue-req` */
  readonly queue: number | undefined;
  /** `#unbootstrapped-req` | `#prealloc-req` (prefill lines) | `#bootstrap-req` */
  readonly bootstrapQueue: number | undefined;
  /** `#transferring-req` | `#inflight-req` */
  readonly inflight: number | undefined;
  /**
   * True for the pre-v0.4.1.post7 message shape (`Prefill batch.` with `cache hit rate:`, or
   * `Decode batch.` without `cuda graph:`/`largest-len:`), whose releases logged only from global TP0.
   */
  readonly legacy: boolean;
  /** How the rank labels were found: SGLang's own `[date time DPx ...]` prefix, a custom bracket, or none. */
  readonly prefix: 'native' | 'custom' | 'none';
}

/** Deployment layout announced by a `server_args=ServerArgs(...)` line (one per node). */
export interface LayoutRecord {
  readonly kind: 'layout';
  readonly dpSize: number | undefined;
  readonly tpSize: number | undefined;
  readonly ppSize: number | undefined;
  readonly epSize: number | undefined;
  readonly nnodes: number | undefined;
  readonly nodeRank: number | undefined;
  readonly enableDpAttention: boolean | undefined;
  /** `'null' | 'prefill' | 'decode'` as SGLang prints it */
  readonly disaggregationMode: string | undefined;
}

export type LogRecord = BatchRecord | LayoutRecord;

export type ParseResult =
  | { readonly kind: 'record'; readonly record: LogRecord }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'unparseable'; readonly reason: string };

export interface LineParser {
  readonly name: string;
  /**
   * Byte strings of which at least one occurs in every line this parser can recognise. The reader
   * decodes and hands over only lines containing one of them; everything else is counted as ignored
   * without being decoded.
   */
  readonly needles: readonly string[];
  /** Parse one decoded line (no trailing `\r`/`\n`). Never throws. */
  parse(line: string): ParseResult;
}

/** Shared singleton so ignoring a line allocates nothing. */
export const IGNORED: ParseResult = Object.freeze({ kind: 'ignored' });
