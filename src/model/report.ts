/**
 * The report: what `run()` returns, what every renderer reads, and (with `message`/`advice` added
 * to findings) exactly what `--format json` prints. Changing a field's meaning or removing one
 * bumps SCHEMA_VERSION; adding one does not.
 */
import type { Phase } from './records.ts';

export const SCHEMA_VERSION = 2;

export type Level = 'info' | 'warn' | 'fail';
export type Verdict = 'ok' | 'warn' | 'fail' | 'insufficient';

/**
 * How verdicts rank, worst last: a run part of which could not be judged (`insufficient`) is worse
 * than one with warnings, so `check` never passes what it could not see.
 */
export const VERDICT_ORDER: Readonly<Record<Verdict, number>> = { ok: 0, warn: 1, insufficient: 2, fail: 3 };
export type Role = 'prefill' | 'decode' | 'agg' | 'unknown';
export type GroupBy = 'rank' | 'worker';

/** Detection thresholds, echoed in the report so a verdict can be reproduced. */
export interface Thresholds {
  /** balance (mean/max) below this warns. */
  readonly warnBalance: number;
  /** balance below this fails. */
  readonly failBalance: number;
  /** QUEUE_SKEW: a rank's p95 queue is at least this many times the median of the other ranks' p95 … */
  readonly queueSkewFactor: number;
  /** … and at least this many requests. */
  readonly queueSkewMin: number;
  /** A phase is judged only with at least max(minBatches, minBatchesPerRank × ranks) batches. */
  readonly minBatches: number;
  readonly minBatchesPerRank: number;
  /** A low balance counts as skew only if a χ² uniformity test rejects "equal shares" at this p-value. */
  readonly alpha: number;
  /** ROUTING_EXECUTION_MISMATCH: largest |routed share − executed share| of a rank that warns */
  readonly routingMismatch: number;
  /** IDLE_PERIOD: a rank idle at least this long (seconds) while its peers worked */
  readonly idleMinSeconds: number;
  /** WINDOW_SKEW: warn when more than this share of active windows is significantly skewed */
  readonly windowSkewShare: number;
  /** QUEUED_WHILE_PEER_IDLE: share of active windows that warns … */
  readonly queuedIdleWarn: number;
  /** … and that fails */
  readonly queuedIdleFail: number;
  /** RUNNING_CEILING: at least this many queued lines with one constant #running-req */
  readonly ceilingMinLines: number;
}

export interface Quantiles {
  readonly max: number | null;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly mean: number | null;
}

/** One DP rank (across workers with `--by rank`, or of one worker with `--by worker`). */
export interface RankRow {
  readonly rank: number;
  /** worker name with `--by worker`, `null` when the row sums over workers */
  readonly worker: string | null;
  readonly batches: number;
  /** batches / all batches of the group (0 when the group has none) */
  readonly share: number;
  /** Σ #new-token (prefill); `null` when not measured: decode, whose lines carry none, or a --pattern without `tokens` */
  readonly newTokens: number | null;
  readonly tokenShare: number | null;
  /** Σ #new-seq (prefill), `null` for decode */
  readonly newSeqs: number | null;
  /** Σ #cached-token (prefill), `null` for decode */
  readonly cachedTokens: number | null;
  /** #queue-req over this rank's batch lines (exact; nearest-rank percentiles) */
  readonly queue: Quantiles;
  /** #running-req over this rank's batch lines */
  readonly running: { readonly max: number | null; readonly mean: number | null };
  /** ISO-8601 UTC of the first and last batch line with a full timestamp */
  readonly firstTime: string | null;
  readonly lastTime: string | null;
}

/** Balance statistics of one set of ranks (see detect/balance.ts for the formulas). */
export interface BalanceStats {
  readonly ranks: number;
  readonly total: number;
  /** mean/max over all expected ranks, idle ones included; `null` when total is 0 */
  readonly balance: number | null;
  /**
   * the other ranks' mean / max: 0 when one rank ran everything, 1 when even, at any rank count;
   * the measure the verdict is judged on. `null` with fewer than 2 ranks or no work.
   */
  readonly peerBalance: number | null;
  readonly maxShare: number | null;
  readonly maxRank: number | null;
  /** coefficient of variation (population σ / mean) */
  readonly cv: number | null;
  /** Jain's fairness index S² / (n Σx²) */
  readonly jain: number | null;
  /** χ² test of "all ranks equally likely"; `null` with fewer than 2 ranks or no batches */
  readonly chiSquare: { readonly statistic: number; readonly df: number; readonly pValue: number } | null;
}

export interface RankGroup {
  /** `null` for the all-workers group */
  readonly worker: string | null;
  readonly ranks: readonly RankRow[];
  /** balance of the ranks' batch counts */
  readonly batchStats: BalanceStats;
  /** balance of Σ #new-token; `null` when tokens are not measured (decode, or a --pattern without `tokens`) */
  readonly tokenStats: BalanceStats | null;
}

export interface PhaseReport {
  readonly phase: Phase;
  /** batch lines counted (after de-duplication) */
  readonly batches: number;
  /**
   * The headline, the same numbers as the `<phase>.peerBalance`, `.balance`, `.maxShare` metrics:
   * of the one group with `--by rank`; with `--by worker`, the worst worker's (lowest balance,
   * highest share; `maxRank` is the rank of the highest share). `null` when nothing ran.
   */
  readonly peerBalance: number | null;
  readonly balance: number | null;
  readonly maxShare: number | null;
  readonly maxRank: number | null;
  /** the judged group's ranks when there is one group (`--by rank`), `null` with several (see `groups`) */
  readonly ranks: readonly RankRow[] | null;
  /** batch lines dropped as duplicates: PP>0, ATTN_CP>0, or a second TP label of the same DP (see aggregate/) */
  readonly duplicatesDropped: number;
  /** batch lines without a DP label from workers whose dp_size > 1: counted nowhere else */
  readonly unattributed: number;
  /** the groups judged: one (all workers) with `--by rank`, one per worker with `--by worker` */
  readonly groups: readonly RankGroup[];
  /**
   * with `--by rank` and several workers: the worker whose own ranks are least balanced (lowest
   * peer balance of batches), so one bad worker cannot hide in the sum; `null` otherwise
   */
  readonly worstWorker: {
    readonly worker: string;
    readonly ranks: number;
    readonly batches: number;
    readonly peerBalance: number | null;
    readonly balance: number | null;
    readonly maxRank: number | null;
    readonly maxShare: number | null;
  } | null;
}

export interface InputSummary {
  /** file path as given/found, or `-` for stdin */
  readonly name: string;
  readonly worker: string;
  readonly gzip: boolean;
  readonly bytes: number;
  readonly lines: LineAccounting;
  /** lines recognised per log family (`sglang`, `dynamo`, `vllm`, `trtllm`, `custom`), most first */
  readonly families: Readonly<Record<string, number>>;
  /** first unparseable line (truncated to 300 chars) and why */
  readonly unparseableExample: { readonly line: string; readonly reason: string } | null;
  /** set when reading failed part-way: the numbers above cover only what was read */
  readonly error: string | null;
}

/** linesRead = recognised + ignored + unparseable + oversized (always); recognised includes outOfRange. */
export interface LineAccounting {
  readonly linesRead: number;
  /** batch, layout, engine-stats, routing and notice lines */
  readonly recognised: number;
  readonly batchLines: number;
  readonly layoutLines: number;
  /** recognised lines left out by --since/--until/--skip-warmup (or without a timestamp while they are set) */
  readonly outOfRange: number;
  readonly ignored: number;
  readonly unparseable: number;
  /** lines longer than the line-length bound: skipped without being parsed */
  readonly oversized: number;
  /** lines that held invalid UTF-8 among the lines decoded (others are never decoded) */
  readonly invalidUtf8: number;
}

export interface WorkerSummary {
  readonly name: string;
  readonly role: Role;
  /** where the role came from */
  readonly roleSource: 'name' | 'server_args' | 'lines' | 'none';
  readonly dpSize: number | null;
  /** `engine_args`: vLLM's `non-default args`; `inferred`: from other evidence, see `inferredFrom` */
  readonly dpSizeSource: 'flag' | 'server_args' | 'engine_args' | 'inferred' | 'none';
  /** what an inferred dp_size was read from: the worker's own rank labels, its peers, routing or requests */
  readonly inferredFrom: 'labels' | 'peers' | 'routing' | 'requests' | null;
  readonly tpSize: number | null;
  readonly ppSize: number | null;
  readonly epSize: number | null;
  readonly enableDpAttention: boolean | null;
  readonly disaggregationMode: string | null;
  readonly inputs: readonly string[];
  readonly prefillBatches: number;
  readonly decodeBatches: number;
}

/** One time window of one phase: per-rank values in the order of `PhaseWindows.ranks`. */
export interface WindowRow {
  /** ISO-8601 UTC start of the window */
  readonly start: string;
  readonly batches: readonly number[];
  readonly newTokens: readonly number[];
  /** peak #queue-req in the window, `null` where the rank logged no queue value */
  readonly maxQueue: ReadonlyArray<number | null>;
  /** mean/max of batches over ranks; `null` for a window where nobody worked */
  readonly balance: number | null;
}

export interface IdlePeriod {
  readonly rank: number;
  readonly start: string;
  readonly end: string;
  readonly seconds: number;
  /** batches the other ranks ran meanwhile (on metrics dumps: scrapes in which a peer had requests running, summed over peers) */
  readonly peerBatches: number;
}

export interface PhaseWindows {
  readonly phase: Phase;
  readonly ranks: readonly number[];
  /** windows where some rank ran a batch (the others are skipped, not called balanced) */
  readonly activeWindows: number;
  /** window balance (mean/max) over active windows */
  readonly balance: { readonly min: number | null; readonly p10: number | null; readonly p50: number | null; readonly mean: number | null };
  /** window peer balance (the other ranks' mean / max, what skew is judged on) over active windows */
  readonly peerBalance: { readonly min: number | null; readonly p10: number | null; readonly p50: number | null; readonly mean: number | null };
  /** the active window with the lowest peer balance that χ² calls skew (else the lowest overall) */
  readonly worst: {
    readonly start: string;
    readonly end: string;
    readonly balance: number;
    readonly peerBalance: number;
    readonly batches: readonly number[];
  } | null;
  /** share of active windows with peer balance below the warn threshold and χ² p < alpha */
  readonly skewedShare: number | null;
  /** idle periods ≥ idleMinSeconds with enough peer work to be more than chance, longest first */
  readonly idlePeriods: readonly IdlePeriod[];
  /** first time a rank went idle while its peers worked (a period ≥ one window, significant) */
  readonly firstIdle: { readonly rank: number; readonly start: string } | null;
  /** share of active windows where one rank had #queue-req > 0 while a peer ran nothing */
  readonly queuedWhilePeerIdleShare: number | null;
  /** the windows themselves; adjacent windows are merged (`mergedWindows` per row) to stay bounded */
  readonly rows: readonly WindowRow[];
  readonly mergedWindows: number;
}

export interface WindowsReport {
  readonly sizeSeconds: number;
  /** chosen by `--window auto` (about 300 windows, snapped to 5/10/15/30/60/120/300/600 s) */
  readonly auto: boolean;
  readonly start: string;
  readonly end: string;
  readonly count: number;
  readonly prefill: PhaseWindows | null;
  readonly decode: PhaseWindows | null;
}

/** vLLM engine stats samples of one DP rank (engine index). */
export interface EngineStatsRow {
  readonly rank: number;
  readonly worker: string | null;
  readonly samples: number;
  /** Σ prompt throughput × interval: estimated prefill tokens */
  readonly promptTokens: number;
  readonly promptShare: number;
  /** `Waiting` (queue depth) over the samples */
  readonly waiting: Quantiles;
  readonly running: { readonly max: number | null; readonly mean: number | null };
  /**
   * KV-cache usage over the samples, as a fraction (0–1: vLLM `kv_cache_usage_perc`, SGLang
   * `token_usage`, TensorRT-LLM `kv_cache_utilization`); absent when no sample carried it (stats lines)
   */
  readonly kvUsage?: { readonly max: number | null; readonly mean: number | null };
  readonly firstTime: string | null;
  readonly lastTime: string | null;
}

export interface EngineStatsGroup {
  readonly worker: string | null;
  readonly ranks: readonly EngineStatsRow[];
  /** balance of estimated prompt tokens (no χ²: tokens are not independent events) */
  readonly promptTokens: BalanceStats;
  /**
   * `metrics` when the samples come from metrics dumps only (Prometheus text or API JSON, SGLang
   * /v1/loads: prompt tokens are counter deltas), `mixed` with log lines too; absent for log lines only
   */
  readonly origin?: 'metrics' | 'mixed';
}

export interface EngineStatsReport {
  readonly samples: number;
  /** `N Engines Aggregated:` lines: per-rank data absent */
  readonly aggregatedLines: number;
  readonly groups: readonly EngineStatsGroup[];
}

/** Routing decisions of one target worker (a Dynamo worker_id; `''` when the lines name none). */
export interface RoutingWorker {
  readonly workerId: string;
  readonly decisions: number;
  /** concrete dp_rank values, ascending */
  readonly ranks: ReadonlyArray<{ readonly rank: number; readonly decisions: number }>;
  /** `dp_rank=None`: the router left the choice to the engine */
  readonly none: number;
  /** a leaked u32::MAX (4294967295) */
  readonly sentinel: number;
  /** statements without any dp_rank field */
  readonly absent: number;
  readonly routerModes: readonly string[];
  readonly sources: readonly string[];
  readonly firstTime: string | null;
  readonly lastTime: string | null;
}

export interface RoutingReport {
  readonly decisions: number;
  readonly workers: readonly RoutingWorker[];
  /** concrete-rank decisions summed over workers, with their share of concrete-rank decisions */
  readonly ranks: ReadonlyArray<{ readonly rank: number; readonly decisions: number; readonly share: number }>;
  readonly none: number;
  readonly sentinel: number;
  readonly absent: number;
}

/** One `--assert` (level fail) or `--warn` (level warn) expression and how it came out. */
export interface AssertionResult {
  readonly expression: string;
  readonly level: 'fail' | 'warn';
  readonly metric: string;
  readonly operator: '<' | '<=' | '>' | '>=' | '==' | '!=';
  readonly threshold: number;
  /** the metric's value; `null` when the logs hold no data for it (the assertion then fails) */
  readonly actual: number | null;
  readonly passed: boolean;
}

/** Requests of one kind of per-request line, by the rank they asked for (and ran on, when logged). */
export interface RequestSource {
  readonly source: 'sglang-receive' | 'sglang-finish' | 'generic';
  readonly lines: number;
  /** `None`: no rank asked for, the engine's balancer chooses */
  readonly none: number;
  readonly sentinel: number;
  readonly absent: number;
  readonly ranks: ReadonlyArray<{ readonly rank: number; readonly requests: number }>;
  /** meta_info dp_rank of SGLang Finish lines */
  readonly executed: ReadonlyArray<{ readonly rank: number; readonly requests: number }>;
  /** share of lines with a requested rank that asked for None */
  readonly noneShare: number | null;
}

/** One DP rank's requests in Dynamo request traces (`request_end` records). */
export interface TraceRankRow {
  /** the worker role the rank served the request in: `prefill` (disaggregated prefill) or `decode` (decode, or aggregated) */
  readonly phase: 'prefill' | 'decode';
  /** Dynamo worker_id (`''` when the trace names none) */
  readonly workerId: string;
  readonly rank: number;
  readonly requests: number;
  /** share of the phase's requests */
  readonly share: number;
  /** time to first token, ms (whole ms) */
  readonly ttftMs: { readonly p50: number | null; readonly p95: number | null; readonly max: number | null };
  /** the router's queue depth when the requests arrived */
  readonly queueDepth: { readonly mean: number | null; readonly p95: number | null };
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Dynamo request traces, per phase, worker and rank; `slowest`: the rank whose requests waited longest for their first token, against the others. */
export interface TracesReport {
  readonly requests: number;
  /** request_end records that named no DP rank */
  readonly unranked: number;
  readonly ranks: readonly TraceRankRow[];
  /** the rank with the highest TTFT p50 and how many times the other ranks' median p50 it is; `null` with fewer than 2 ranks or no TTFT */
  readonly slowest: { readonly phase: 'prefill' | 'decode'; readonly workerId: string; readonly rank: number; readonly ttftP50: number; readonly othersP50: number; readonly factor: number | null } | null;
}

export interface RequestsReport {
  readonly lines: number;
  /** Dynamo request traces; absent when none were read (so reports of logs without them keep their shape) */
  readonly traces?: TracesReport;
  readonly sources: readonly RequestSource[];
  /**
   * `--implied-rank-from-room`: bootstrap_room mod dp_size per request, the rank SGLang PD prefill
   * routes to by default (follow_bootstrap_room). An inference, not a logged fact.
   */
  readonly impliedByRoom: { readonly dpSize: number; readonly rooms: number; readonly ranks: ReadonlyArray<{ readonly rank: number; readonly requests: number }> } | null;
}

interface FindingBase {
  readonly level: Level;
  /** the phase the finding is about, `null` when it is about the inputs */
  readonly phase: Phase | null;
  /** the worker the finding is about, `null` when it is about all workers */
  readonly worker: string | null;
}

/**
 * One measure of a skew finding: the busiest rank and how far the others fall behind it
 * (BalanceStats), and the level this measure alone reaches.
 */
export interface SkewMeasure {
  readonly peerBalance: number | null;
  readonly balance: number | null;
  readonly maxRank: number | null;
  readonly maxShare: number | null;
  /** χ² p-value of equal shares (`null`: not tested) */
  readonly pValue: number | null;
  /** the level this measure reaches on its own; `null` when it is within the thresholds or could be noise */
  readonly level: 'warn' | 'fail' | null;
}

/** One worker's own judgment, inside WORKER_SKEW. */
export interface WorkerJudgment {
  readonly worker: string;
  readonly level: 'warn' | 'fail';
  /** `skew`: its ranks' batches or tokens; `idle-rank`: one of its ranks ran nothing */
  readonly reason: 'skew' | 'idle-rank';
  readonly ranks: number;
  readonly batches: number;
  readonly peerBalance: number | null;
  readonly maxRank: number | null;
  readonly maxShare: number | null;
  readonly idleRanks: readonly number[];
}

/** One rank's idle periods in a phase, inside IDLE_PERIOD. */
export interface IdleRank {
  readonly rank: number;
  readonly periods: number;
  readonly totalSeconds: number;
  readonly longest: IdlePeriod;
}

export type Finding =
  | (FindingBase & {
      /** work across DP ranks is skewed: batch counts, Σ #new-token, or both (one finding per group) */
      readonly code: 'BATCH_SKEW';
      readonly basis: 'batches' | 'tokens' | 'both';
      /** the peer-balance threshold crossed (warnBalance or failBalance) */
      readonly threshold: number;
      readonly ranks: number;
      readonly batches: SkewMeasure;
      /** on Σ #new-token; `null` for decode */
      readonly tokens: SkewMeasure | null;
      /** the log family the batches come from (`sglang`, `vllm`, `trtllm`, `custom`), `null` when mixed */
      readonly engine: string | null;
    })
  | (FindingBase & {
      readonly code: 'IDLE_RANK';
      readonly idleRanks: readonly number[];
      readonly ranks: number;
      /** the other ranks' batches (with `origin`: scrapes in which they had requests running) */
      readonly total: number;
      /** `metrics` (or `mixed`) when judged on metrics-dump samples, one per scrape, not on batch or stats lines; absent otherwise */
      readonly origin?: 'metrics' | 'mixed';
    })
  | (FindingBase & {
      readonly code: 'QUEUE_SKEW';
      readonly rank: number;
      /** the rank's p95 #queue-req (or vLLM Waiting), what is judged */
      readonly p95: number;
      readonly othersMedianP95: number;
      /** the rank's highest queue, for the record */
      readonly peak: number;
      readonly factor: number;
      /** `metrics` (or `mixed`) when judged on metrics-dump samples, one per scrape, not on batch or stats lines; absent otherwise */
      readonly origin?: 'metrics' | 'mixed';
    })
  | (FindingBase & {
      /** with `--by rank`: workers whose own ranks are skewed more than the summed group shows, worst first */
      readonly code: 'WORKER_SKEW';
      readonly workersJudged: number;
      readonly workers: readonly WorkerJudgment[];
    })
  | (FindingBase & {
      /** DP labels but no rank count: only one rank seen, nothing else says how many there are */
      readonly code: 'LAYOUT_UNKNOWN';
      readonly ranks: readonly number[];
      readonly lines: number;
    })
  | (FindingBase & { readonly code: 'LAYOUT_CONFLICT'; readonly dpSizes: readonly number[] })
  | (FindingBase & {
      readonly code: 'INSUFFICIENT_DATA';
      readonly reason: 'no-batches' | 'too-few-batches' | 'not-significant';
      readonly batches: number;
      readonly required: number;
      readonly peerBalance: number | null;
      readonly pValue: number | null;
    })
  | (FindingBase & {
      readonly code: 'NO_RANK_LABELS';
      /** batch lines without a DP label */
      readonly lines: number;
      /** the worker's lines of that phase that do carry one (torn lines are a minority next to them) */
      readonly labelledLines: number;
      readonly dpSize: number | null;
    })
  | (FindingBase & {
      readonly code: 'LOGGING_ARTIFACT';
      readonly kind: 'tp0-only-logging' | 'prefill-server-without-prefill-lines' | 'dp-minus-one-label';
      readonly lines: number;
    })
  | (FindingBase & { readonly code: 'UNPARSEABLE_LINES'; readonly lines: number; readonly example: string; readonly reason: string })
  | (FindingBase & { readonly code: 'NO_BATCH_LINES'; readonly linesRead: number })
  | (FindingBase & {
      readonly code: 'DP_RANK_PINNED';
      /** the Dynamo worker_id whose decisions all carry one rank */
      readonly workerId: string;
      readonly rank: number;
      readonly decisions: number;
      /** ranks the worker has, when known (--dp-size, prefill server_args, or KV-router candidates) */
      readonly dpSize: number | null;
    })
  | (FindingBase & {
      readonly code: 'DP_RANK_SENTINEL';
      /** routing decisions or request lines carrying it */
      readonly decisions: number;
      readonly examples: readonly string[];
      readonly origin: 'routing' | 'requests';
    })
  | (FindingBase & {
      readonly code: 'REQUESTED_RANK_PINNED';
      readonly rank: number;
      readonly requests: number;
      readonly dpSize: number | null;
      readonly source: string;
    })
  | (FindingBase & { readonly code: 'REQUESTS_NONE_SHARE'; readonly noneShare: number; readonly requests: number; readonly source: string })
  | (FindingBase & {
      readonly code: 'ROUTING_EXECUTION_MISMATCH';
      readonly rank: number;
      readonly routedShare: number;
      readonly executedShare: number;
      readonly threshold: number;
    })
  | (FindingBase & {
      readonly code: 'ENGINE_SKEW';
      /**
       * what is skewed: `promptTokens` (Σ prompt tokens per engine) or `running` (the mean number of
       * requests running, over the samples); the numbers below are of that measure
       */
      readonly basis: 'promptTokens' | 'running';
      /** the engine the samples come from (`vllm`, `sglang`, `trtllm`, `dynamo`), `null` when mixed or unknown */
      readonly engine: string | null;
      /** `metrics` when the samples come from metrics dumps only (one sample = one scrape); absent for stats lines */
      readonly origin?: 'metrics' | 'mixed';
      readonly peerBalance: number;
      readonly balance: number;
      readonly threshold: number;
      readonly maxRank: number;
      readonly maxShare: number;
      readonly ranks: number;
    })
  | (FindingBase & { readonly code: 'STATS_AGGREGATED'; readonly lines: number })
  | (FindingBase & { readonly code: 'STATS_LOGGING_DISABLED' })
  | (FindingBase & {
      readonly code: 'SINGLE_RANK_LOGGING';
      readonly family: string;
      readonly lines: number;
      /** TensorRT-LLM `currank_total_requests`: Σ this rank's fetched requests / Σ all ranks' (`null`: not logged) */
      readonly fetchedShare: number | null;
    })
  | (FindingBase & {
      readonly code: 'WINDOW_SKEW';
      readonly skewedShare: number;
      readonly threshold: number;
      readonly worstStart: string;
      readonly worstPeerBalance: number;
      readonly windowSeconds: number;
    })
  | (FindingBase & {
      /** ranks that ran nothing for ≥ idleMinSeconds while their peers worked, grouped per rank, longest first */
      readonly code: 'IDLE_PERIOD';
      readonly ranks: readonly IdleRank[];
      /** further ranks with idle periods, beyond those listed */
      readonly moreRanks: number;
      /** `metrics` when judged on metrics-dump scrapes (periods from scrape to scrape, `peerBatches` counting peers' busy scrapes); absent otherwise */
      readonly origin?: 'metrics';
    })
  | (FindingBase & { readonly code: 'TOO_MANY_RANKS'; readonly lines: number; readonly limit: number })
  | (FindingBase & {
      readonly code: 'QUEUED_WHILE_PEER_IDLE';
      readonly share: number;
      readonly threshold: number;
      /** active windows (with `origin`: scrapes) */
      readonly windows: number;
      /** `metrics` (or `mixed`) when judged on metrics-dump samples, one per scrape, not on batch or stats lines; absent otherwise */
      readonly origin?: 'metrics' | 'mixed';
    })
  | (FindingBase & {
      readonly code: 'RUNNING_CEILING';
      readonly rank: number;
      readonly running: number;
      /** batch lines with requests queued (with `origin`: scrapes) */
      readonly queuedLines: number;
      /** `metrics` (or `mixed`) when judged on metrics-dump samples, one per scrape, not on batch or stats lines; absent otherwise */
      readonly origin?: 'metrics' | 'mixed';
    })
  | (FindingBase & {
      /**
       * Dynamo request traces: requests that one DP rank of a worker served waited much longer for
       * their first token than those its other ranks served (phase: the role the worker served in)
       */
      readonly code: 'TTFT_SKEW';
      /** the Dynamo worker_id (`''` when the traces name none) */
      readonly workerId: string;
      readonly rank: number;
      /** requests the rank served, and the worker's in that phase */
      readonly requests: number;
      readonly totalRequests: number;
      /** the worker's ranks in that phase with a TTFT */
      readonly ranks: number;
      /** the rank's TTFT p50 (ms) and the median of the other ranks' p50 */
      readonly ttftP50: number;
      readonly othersP50: number;
      /** ttftP50 / othersP50 */
      readonly ratio: number;
      /** the ratio at or above which it warns */
      readonly factor: number;
    })
  | (FindingBase & {
      /** a metrics dump whose series of this engine carry no DP-rank label: one scheduler's numbers, or all ranks' summed */
      readonly code: 'METRICS_WITHOUT_RANK';
      /** `vllm`, `sglang`, `trtllm` */
      readonly engine: string;
      readonly samples: number;
    });

/** Every finding code, for tests that hold each one to a scenario (test/detect/finding-codes.test.ts). */
export const FINDING_CODES = [
  'BATCH_SKEW',
  'IDLE_RANK',
  'QUEUE_SKEW',
  'WORKER_SKEW',
  'LAYOUT_UNKNOWN',
  'LAYOUT_CONFLICT',
  'INSUFFICIENT_DATA',
  'NO_RANK_LABELS',
  'LOGGING_ARTIFACT',
  'UNPARSEABLE_LINES',
  'NO_BATCH_LINES',
  'DP_RANK_PINNED',
  'DP_RANK_SENTINEL',
  'REQUESTED_RANK_PINNED',
  'REQUESTS_NONE_SHARE',
  'ROUTING_EXECUTION_MISMATCH',
  'ENGINE_SKEW',
  'STATS_AGGREGATED',
  'STATS_LOGGING_DISABLED',
  'SINGLE_RANK_LOGGING',
  'WINDOW_SKEW',
  'IDLE_PERIOD',
  'TOO_MANY_RANKS',
  'QUEUED_WHILE_PEER_IDLE',
  'RUNNING_CEILING',
  'METRICS_WITHOUT_RANK',
  'TTFT_SKEW',
] as const satisfies ReadonlyArray<Finding['code']>;

export type FindingCode = Finding['code'];

/** An input left out because it is the same file as `sameAs`, which was read (so nothing is counted twice). */
export interface DuplicateInput {
  readonly name: string;
  readonly sameAs: string;
}

export interface Report {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly tool: { readonly name: 'dpskew'; readonly version: string };
  readonly verdict: Verdict;
  readonly groupBy: GroupBy;
  /** IANA zone in which zone-less timestamps were read (`--tz`); all times in the report are UTC */
  readonly timezone: string;
  /** the time filter applied while reading (`--since`, `--until`, `--skip-warmup`), resolved to instants */
  readonly timeRange: { readonly since: string | null; readonly until: string | null } | null;
  readonly thresholds: Thresholds;
  readonly totals: LineAccounting & { readonly inputs: number; readonly bytes: number };
  readonly inputs: readonly InputSummary[];
  /** files found in directories but not read because their names are not log names (JSON, images, …) */
  readonly skippedFiles: readonly string[];
  /** inputs not read because they are the same file (device and inode) as an input that was: a symlink to it, a hard link, a file named twice */
  readonly duplicateInputs: readonly DuplicateInput[];
  readonly workers: readonly WorkerSummary[];
  readonly prefill: PhaseReport;
  readonly decode: PhaseReport;
  /** time windows (`null` when no batch line had a timestamp) */
  readonly windows: WindowsReport | null;
  /** vLLM periodic engine stats (empty when the logs have none) */
  readonly engineStats: EngineStatsReport;
  /** Dynamo routing decisions (empty when the logs have none) */
  readonly routing: RoutingReport;
  /** per-request dp_rank evidence (empty when the logs have none) */
  readonly requests: RequestsReport;
  readonly findings: readonly Finding[];
  /** every metric `--assert`/`--warn` can name (`dpskew check --list-metrics`), by that name; `null`: no data */
  readonly metrics: Readonly<Record<string, number | null>>;
  /** `dpskew check --assert/--warn` results (empty without assertions) */
  readonly assertions: readonly AssertionResult[];
  /** true when the run was interrupted (Ctrl-C): the numbers cover only what was read */
  readonly interrupted: boolean;
}
