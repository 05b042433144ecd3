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

/**
 * One batch or engine step on one rank: SGLang `Prefill batch` / `Decode batch`, a vLLM
 * `Iteration(i)` step (prefill when it has context requests), a TensorRT-LLM `print_iter_log`
 * iteration (prefill when `num_ctx_requests > 0`). Every field is present (possibly `undefined`)
 * so records keep one shape.
 */
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
  /**
   * TensorRT-LLM `currank_total_requests = a/b`: requests this rank fetched (a) of all fetched in the
   * step (b). Only rank 0 logs by default, so this is the one view of the other ranks' share.
   */
  readonly fetched: number | undefined;
  readonly fetchedTotal: number | undefined;
}

/**
 * Deployment layout announced by a `server_args=ServerArgs(...)` line of SGLang (one per node) or a
 * `non-default args: {...}` line of vLLM (`data_parallel_size`).
 */
export interface LayoutRecord {
  readonly kind: 'layout';
  readonly origin: 'server_args' | 'engine_args';
  readonly dpSize: number | undefined;
  readonly tpSize: number | undefined;
  readonly ppSize: number | undefined;
  readonly epSize: number | undefined;
  readonly nnodes: number | undefined;
  readonly nodeRank: number | undefined;
  /** vLLM `data_parallel_rank` / `data_parallel_size_local`: the ranks one process of an external-LB deployment serves */
  readonly firstRank: number | undefined;
  readonly localRanks: number | undefined;
  readonly enableDpAttention: boolean | undefined;
  /** `'null' | 'prefill' | 'decode'` as SGLang prints it */
  readonly disaggregationMode: string | undefined;
}

/**
 * A periodic per-engine stats line (vLLM `Engine 001: Avg prompt throughput: …`). Not a batch:
 * a sample of the engine's queue and throughput over the last logging interval (~5–10 s).
 */
export interface EngineStatsRecord {
  readonly kind: 'engine-stats';
  readonly time: number | undefined;
  /** engine index = DP rank; `undefined` for V0/early-V1 lines without an `Engine NNN:` prefix */
  readonly rank: number | undefined;
  /** N of `N Engines Aggregated:` (per-rank data absent); `undefined` otherwise */
  readonly aggregatedEngines: number | undefined;
  /** `Running: N reqs` */
  readonly running: number | undefined;
  /** `Waiting: N reqs` (V1) or `Pending: N reqs` (V0): the queue depth */
  readonly waiting: number | undefined;
  /** `Avg prompt throughput: X tokens/s` (prefill tokens computed per second over the interval) */
  readonly promptThroughput: number | undefined;
  readonly generationThroughput: number | undefined;
}

/**
 * A DP rank carried by a log line: a concrete rank, an explicit "no rank" (`None`), or a leaked
 * u32::MAX sentinel (4294967295, or another rendering of it such as `Some(4294967295)`).
 */
export type DpRankValue =
  | { readonly kind: 'rank'; readonly value: number }
  | { readonly kind: 'none' }
  | { readonly kind: 'sentinel'; readonly raw: string };

/** One routing decision of a Dynamo router or backend handler. */
export interface RoutingRecord {
  readonly kind: 'routing';
  readonly time: number | undefined;
  /**
   * Which statement: `kv-selected` (KV router `Selected worker`), `bootstrap` (prefill router
   * `Built bootstrap_info upfront before prefill`), `pre-selected`, `sticky`, `conditional-disagg`,
   * `trtllm-handler` (`Using dynamo router dp_rank=…`), `vllm-out-of-range` (`Received DP rank … out of range`).
   */
  readonly source: 'kv-selected' | 'bootstrap' | 'pre-selected' | 'sticky' | 'conditional-disagg' | 'trtllm-handler' | 'vllm-out-of-range' | 'request-trace';
  /** Dynamo worker_id (u64, kept as a string: it exceeds 2^53); `undefined` when the line has none */
  readonly workerId: string | undefined;
  /** `undefined` when the statement carries no dp_rank at all (pre-PR #3597 `Selected worker: <id>`) */
  readonly dpRank: DpRankValue | undefined;
  /** `router_mode=` of bootstrap lines (RoundRobin, Random, KV, …) */
  readonly routerMode: string | undefined;
}

/** A line that changes what the log can show, turned into a finding. */
export interface NoticeRecord {
  readonly kind: 'notice';
  readonly time: number | undefined;
  /**
   * `vllm-stats-disabled`: `AsyncLLM created with api_server_count more than 1; disabling stats logging …`
   */
  readonly notice: 'vllm-stats-disabled';
}

/**
 * One per-request line that says which DP rank the request asked for (and, on SGLang `Finish:`
 * lines, which rank ran it): SGLang `--log-requests`, or any engine's debug print with a dp_rank.
 */
export interface RequestRecord {
  readonly kind: 'request';
  readonly time: number | undefined;
  /** `sglang-receive`, `sglang-finish`, or `generic` (a per-request line of any engine) */
  readonly source: 'sglang-receive' | 'sglang-finish' | 'generic';
  /** the rank the request carried (`data_parallel_rank`, `routed_dp_rank`, `dp_rank`, …); `undefined` if none */
  readonly requested: DpRankValue | undefined;
  /** the rank that ran it (`meta_info['dp_rank']` of a Finish line), when logged */
  readonly executed: number | undefined;
  /** `bootstrap_room` as decimal text (a u64: too large for a number) */
  readonly bootstrapRoom: string | undefined;
}

/**
 * Many batch lines of one phase and one set of rank labels, summed by the scanning kernel
 * (kernel/fold.ts) instead of handed over one by one: adding this equals adding each of its lines'
 * BatchRecords, in their order (src/aggregate). Only the labels the counting rules read are kept.
 */
export interface FoldedBatches {
  readonly phase: Phase;
  readonly ranks: Pick<RankLabels, 'dp' | 'tp' | 'pp' | 'attnCp'>;
  readonly lines: number;
  /** sums over the lines that carry the field */
  readonly newTokens: number;
  /** lines that carried #new-token */
  readonly tokenLines: number;
  readonly newSeq: number;
  readonly cachedTokens: number;
  /** lines per value of `#queue-req` and of `#running-req` (index = value) */
  readonly queue: ArrayLike<number>;
  readonly running: ArrayLike<number>;
  /** lines with `#queue-req` > 0 and a `#running-req`, and the range of the latter on them */
  readonly queuedLines: number;
  readonly runningMinWhenQueued: number | null;
  readonly runningMaxWhenQueued: number | null;
  /** earliest and latest time of the timed lines */
  readonly firstTime: number | null;
  readonly lastTime: number | null;
  /** per time bucket, in the order first seen: bucket index, lines, Σ new tokens, peak queue (flat) */
  readonly buckets: ArrayLike<number>;
}

/**
 * What a metric sample measures, whatever the engine or re-exporter calls it (parse/metric-names.ts):
 * gauges `running` (requests running), `waiting` (queued), `kvUsage` (KV cache usage, 0–1); counters
 * `promptTokens` and `generationTokens` (cumulative since the engine started: per-interval deltas
 * are taken, resets included).
 */
export type MetricQuantity = 'running' | 'waiting' | 'kvUsage' | 'promptTokens' | 'generationTokens';

/** One per-rank sample of a metrics dump: a Prometheus line, a point of an HTTP API result, a `/v1/loads` entry. */
export interface MetricSample {
  readonly quantity: MetricQuantity;
  /** the DP rank label (vLLM `engine`, SGLang/Dynamo `dp_rank`); `undefined` when the series has none */
  readonly rank: number | undefined;
  /**
   * which server the series belongs to when one dump holds several: Dynamo `worker_type:worker_id`,
   * SMG `worker_addr`; `''` when the labels name none (the dump is one server's)
   */
  readonly worker: string;
  /** a `tp_rank` label other than the DP rank's own: copies of one DP group's numbers (resolved in analyze/) */
  readonly tp: number | undefined;
  readonly value: number;
  /** the sample's own timestamp (ms), `undefined` when it has none (then a preceding time line, if any, dates it) */
  readonly time: number | undefined;
  /** the engine the metric name belongs to: `vllm`, `sglang`, `trtllm` */
  readonly engine: string;
  /** the canonical metric name (`vllm:kv_cache_usage_perc`; `sglang:realtime_tokens:prefill_compute` with its mode): two names of one quantity are two series */
  readonly metric: string;
}

/**
 * Metric samples from one line: one for a Prometheus text sample, many for a saved JSON document
 * (Prometheus HTTP API result, SGLang `/v1/loads`). `time` is always `undefined`: each sample
 * carries its own, or takes the time line's before it (aggregate/scrapes.ts).
 */
export interface MetricSamplesRecord {
  readonly kind: 'metric-samples';
  readonly time: undefined;
  readonly samples: readonly MetricSample[];
}

/** A line holding only a date and time in a metrics dump (`date; curl …/metrics` loops): the time of the samples after it. */
export interface ScrapeTimeRecord {
  readonly kind: 'scrape-time';
  readonly time: number;
}

/** A Dynamo request-trace `request_end` record (`dynamo.request.trace.v1`): where one request ran and how long it waited. */
export interface RequestTraceRecord {
  readonly kind: 'request-trace';
  /** when the request was received (`request_received_ms`), else the event time */
  readonly time: number | undefined;
  /** `worker.prefill_worker_id` / `decode_worker_id` as decimal text (u64), `''` when absent */
  readonly prefillWorker: string;
  readonly prefillRank: number | undefined;
  readonly decodeWorker: string;
  readonly decodeRank: number | undefined;
  readonly ttftMs: number | undefined;
  /** time from receipt to the start of prefill */
  readonly prefillWaitMs: number | undefined;
  /** the router's queue depth when the request was routed */
  readonly queueDepth: number | undefined;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
}

export type LogRecord = BatchRecord | LayoutRecord | EngineStatsRecord | RoutingRecord | NoticeRecord | RequestRecord | MetricSamplesRecord | ScrapeTimeRecord | RequestTraceRecord;

export type ParseResult =
  | { readonly kind: 'record'; readonly record: LogRecord }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'unparseable'; readonly reason: string };

export interface LineParser {
  readonly name: string;
  /**
   * Byte strings of which at least one occurs in every line this parser can recognise, as the line
   * is written (a needle that only stripping colour codes would make is none). The reader decodes
   * only lines containing one of them, and offers a line only to the parsers whose needles it holds
   * (or to all, when it holds one of the first parser's); everything else is counted as ignored
   * without being decoded. test/parse/needles.test.ts holds every parser to this.
   */
  readonly needles: readonly string[];
  /** Parse one decoded line (no trailing `\r`/`\n`). Never throws. */
  parse(line: string): ParseResult;
}

/** Shared singleton so ignoring a line allocates nothing. */
export const IGNORED: ParseResult = Object.freeze({ kind: 'ignored' });
