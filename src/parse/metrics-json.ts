/**
 * Saved metrics JSON, one document per line as `curl -s …` writes it (several on one line when
 * curl's output was appended without a newline): a Prometheus HTTP API result
 * (`/api/v1/query_range`: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":
 * {"__name__":…,labels},"values":[[<unix s>,"<value>"],…]}]}}`; `/api/v1/query`: resultType
 * `vector`, one `"value"` each), or SGLang's `GET /v1/loads` (`{"timestamp":"<ISO>","version":…,
 * "dp_rank_count":N,"loads":[{"dp_rank":0,"num_running_reqs":…,"num_waiting_reqs":…,
 * "token_usage":…},…],"aggregate":{…}}`, PR #16976).
 *
 * Memory is bounded by the line bound (`--max-line-bytes`, 1 MiB by default: about 40,000 points
 * of a range query): a longer document is counted as oversized, never read whole. A
 * pretty-printed document (`jq .`) spans lines and is not read.
 */
import { metricOf, rankLabels } from './metric-names.ts';
import { findTimestamp, UTC_ZONE, type Zone } from './timestamps.ts';
import { IGNORED, type MetricQuantity, type MetricSample, type ParseResult } from '../model/records.ts';

/** What marks a line as a metrics document (any other JSON line is some other family's). */
const API_MARK = '"resultType"';
const LOADS_MARK = '"dp_rank_count"';
const LOADS_ENTRY_MARK = '"num_running_reqs"';
/** A `/v1/loads` document without `dp_rank_count` is known by its entries' field: a needle too. */
export const METRICS_JSON_NEEDLES: readonly string[] = [API_MARK, LOADS_MARK, LOADS_ENTRY_MARK];

/** `/v1/loads` entry fields → what they measure. */
const LOADS_FIELDS: ReadonlyArray<readonly [string, MetricQuantity]> = [
  ['num_running_reqs', 'running'],
  ['num_waiting_reqs', 'waiting'],
  ['token_usage', 'kvUsage'],
];

export function parseMetricsJsonLine(line: string, zone: Zone = UTC_ZONE): ParseResult {
  const api = line.includes(API_MARK);
  if (!api && !line.includes(LOADS_MARK) && !(line.includes('"loads"') && line.includes(LOADS_ENTRY_MARK))) return IGNORED;
  const samples: MetricSample[] = [];
  for (const text of splitJsonValues(line)) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return { kind: 'unparseable', reason: 'metrics JSON that does not parse (cut short?)' };
    }
    if (!readApi(doc, samples)) readLoads(doc, samples, zone);
  }
  if (samples.length === 0) return IGNORED;
  return { kind: 'record', record: { kind: 'metric-samples', time: undefined, samples } };
}

/** A Prometheus API response's samples into `out`; false when `doc` is not one. */
function readApi(doc: unknown, out: MetricSample[]): boolean {
  const data = field(doc, 'data');
  const type = field(data, 'resultType');
  if (typeof type !== 'string') return false;
  const result = field(data, 'result');
  if (!Array.isArray(result) || (type !== 'matrix' && type !== 'vector')) return true;
  for (const series of result) {
    const metric = field(series, 'metric');
    const labels = new Map<string, string>();
    if (typeof metric === 'object' && metric !== null) {
      for (const [k, v] of Object.entries(metric)) if (typeof v === 'string') labels.set(k, v);
    }
    const name = labels.get('__name__');
    if (name === undefined) continue; // an expression's result (rate(…)) has no name to map
    const what = metricOf(name, labels.get('mode'));
    const where = rankLabels(labels);
    if (what === undefined || where === null) continue;
    const points = type === 'matrix' ? field(series, 'values') : [field(series, 'value')];
    if (!Array.isArray(points)) continue;
    for (const point of points) {
      if (!Array.isArray(point) || point.length < 2) continue;
      const [t, v] = point as unknown[];
      const value = typeof v === 'string' ? Number(v) : NaN;
      if (typeof t !== 'number' || !Number.isFinite(t) || !Number.isFinite(value) || value < 0) continue;
      out.push({ quantity: what.quantity, rank: where.rank, worker: where.worker, tp: where.tp, value, time: Math.round(t * 1000), engine: what.engine, metric: what.name });
    }
  }
  return true;
}

/** A `/v1/loads` response's per-rank entries into `out`. */
function readLoads(doc: unknown, out: MetricSample[], zone: Zone): void {
  const loads = field(doc, 'loads');
  if (!Array.isArray(loads)) return;
  const stamp = field(doc, 'timestamp');
  const time = typeof stamp === 'string' ? findTimestamp(stamp, zone) : typeof stamp === 'number' && Number.isFinite(stamp) ? Math.round(stamp * 1000) : undefined;
  for (const entry of loads) {
    const rank = field(entry, 'dp_rank');
    if (typeof rank !== 'number' || !Number.isSafeInteger(rank) || rank < 0) continue;
    for (const [key, quantity] of LOADS_FIELDS) {
      const value = field(entry, key);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) continue;
      out.push({ quantity, rank, worker: '', tp: undefined, value, time, engine: 'sglang', metric: `sglang:${key}` });
    }
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * The top-level JSON values of `line`, one after another (`{…}{…}`, `{…} {…}`): cut where the
 * nesting depth returns to zero outside strings. What is not inside braces or brackets is dropped.
 */
export function splitJsonValues(line: string): string[] {
  const values: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (depth === 0) start = i;
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0 && start >= 0) {
        values.push(line.slice(start, i + 1));
        start = -1;
      }
      if (depth < 0) depth = 0;
    }
  }
  // An unclosed last value is kept: JSON.parse then says it is cut short.
  if (depth > 0 && start >= 0) values.push(line.slice(start));
  return values;
}
