/**
 * Which engine metrics are per-rank evidence, under every name they go by. Re-exporters change `:` to `_` (`sglang:` → `sglang_` in SMG's
 * sidecar and in SGLang's own `/v1/loads?format=prometheus`; `trtllm_` ↔ `trtllm:` under Dynamo),
 * counters carry `_total` or not (OpenMetrics family name vs sample name), and vLLM renamed
 * `gpu_cache_usage_perc` to `kv_cache_usage_perc` (PR #29330): all are accepted.
 *
 * Rank labels: vLLM `engine` (the DP rank index), SGLang and Dynamo `dp_rank` (SGLang only with
 * `--enable-metrics-for-all-schedulers`), an SMG DP-aware worker address `url@rank`. Server labels:
 * Dynamo `worker_id` (+ `worker_type`), SMG `worker_addr`.
 */
import type { MetricQuantity } from '../model/records.ts';

interface MetricName {
  readonly quantity: MetricQuantity;
  readonly engine: string;
}

/** What a sample's name says: the quantity, the engine, and the canonical name (`engine:name`, no `_total`). */
export interface MetricOf extends MetricName {
  readonly name: string;
}

/** Canonical names (`engine:name`, no `_total`) → what they measure. */
const NAMES: ReadonlyMap<string, MetricName> = new Map<string, MetricName>([
  ['vllm:num_requests_running', { quantity: 'running', engine: 'vllm' }],
  ['vllm:num_requests_waiting', { quantity: 'waiting', engine: 'vllm' }],
  ['vllm:kv_cache_usage_perc', { quantity: 'kvUsage', engine: 'vllm' }],
  ['vllm:gpu_cache_usage_perc', { quantity: 'kvUsage', engine: 'vllm' }],
  ['vllm:prompt_tokens', { quantity: 'promptTokens', engine: 'vllm' }],
  ['vllm:generation_tokens', { quantity: 'generationTokens', engine: 'vllm' }],
  ['sglang:num_running_reqs', { quantity: 'running', engine: 'sglang' }],
  ['sglang:num_queue_reqs', { quantity: 'waiting', engine: 'sglang' }],
  // `/v1/loads?format=prometheus` names its fields after GetLoadsReqOutput.
  ['sglang:num_waiting_reqs', { quantity: 'waiting', engine: 'sglang' }],
  ['sglang:token_usage', { quantity: 'kvUsage', engine: 'sglang' }],
  ['sglang:prompt_tokens', { quantity: 'promptTokens', engine: 'sglang' }],
  ['sglang:generation_tokens', { quantity: 'generationTokens', engine: 'sglang' }],
  ['trtllm:num_requests_running', { quantity: 'running', engine: 'trtllm' }],
  ['trtllm:num_active_requests', { quantity: 'running', engine: 'trtllm' }],
  ['trtllm:num_requests_waiting', { quantity: 'waiting', engine: 'trtllm' }],
  ['trtllm:kv_cache_utilization', { quantity: 'kvUsage', engine: 'trtllm' }],
  ['trtllm:prompt_tokens', { quantity: 'promptTokens', engine: 'trtllm' }],
  ['trtllm:generation_tokens', { quantity: 'generationTokens', engine: 'trtllm' }],
]);

/**
 * SGLang's `realtime_tokens_total{mode}` counts tokens as the scheduler computes them, by mode:
 * `prefill_compute` is prefill work (cache hits excluded), `decode` generation; `prefill_cache`
 * (tokens served from the radix cache) is not work and is left out.
 */
const REALTIME = 'sglang:realtime_tokens';
const REALTIME_MODES: Readonly<Record<string, MetricQuantity>> = { prefill_compute: 'promptTokens', decode: 'generationTokens' };

const ENGINE_PREFIX = /^(vllm|sglang|trtllm)[:_]/;

/**
 * Substrings every recognised metric name holds: its engine prefix (ENGINE_PREFIX). The reader hands
 * over only lines with one of them. Few and rare on purpose: each needle the scanner looks for costs
 * every line of every log (twelve metric-name needles made the 200 MiB bench set 2.4x slower).
 */
export const METRIC_NEEDLES: readonly string[] = ['vllm:', 'vllm_', 'sglang:', 'sglang_', 'trtllm:', 'trtllm_'];

/**
 * What the metric `name` measures (`mode`: the sample's `mode` label), or `undefined` for a metric
 * that is not per-rank load evidence (and `_created`/`_bucket` samples of any metric).
 */
export function metricOf(name: string, mode: string | undefined): MetricOf | undefined {
  const prefix = ENGINE_PREFIX.exec(name);
  if (prefix === null) return undefined;
  const engine = prefix[1] ?? '';
  let rest = name.slice(prefix[0].length);
  if (rest.endsWith('_total')) rest = rest.slice(0, -'_total'.length);
  const canonical = `${engine}:${rest}`;
  if (canonical === REALTIME) {
    const quantity = mode === undefined ? undefined : REALTIME_MODES[mode];
    return quantity === undefined ? undefined : { quantity, engine, name: `${canonical}:${mode ?? ''}` };
  }
  const known = NAMES.get(canonical);
  return known === undefined ? undefined : { ...known, name: canonical };
}

/** An SMG DP-aware worker address `http://host:port@3`: the base URL and the rank. */
const DP_AWARE_ADDR = /^(.*)@(\d{1,6})$/;

/** Rank, server and TP labels of a series; `null` for a pipeline stage other than the first (PP>0 repeats PP0's numbers). */
export function rankLabels(labels: ReadonlyMap<string, string>): { rank: number | undefined; worker: string; tp: number | undefined } | null {
  const pp = labels.get('pp_rank');
  if (pp !== undefined && pp !== '0') return null;
  let rank = intLabel(labels.get('engine') ?? labels.get('dp_rank'));
  let worker = labels.get('worker_id') ?? '';
  const type = labels.get('worker_type');
  if (worker !== '' && type !== undefined && type !== '') worker = `${type}:${worker}`;
  const addr = labels.get('worker_addr');
  if (worker === '' && addr !== undefined) {
    const m = DP_AWARE_ADDR.exec(addr);
    if (m !== null && rank === undefined) {
      worker = m[1] ?? addr;
      rank = intLabel(m[2]);
    } else worker = addr;
  }
  const tp = intLabel(labels.get('tp_rank'));
  // With DP attention SGLang labels DP group k's scheduler `dp_rank=k, tp_rank=k`: that is the group itself.
  return { rank, worker, tp: tp === undefined || tp === rank ? undefined : tp };
}

/** A non-negative integer label value below 2^31, else `undefined`. */
function intLabel(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}
