/**
 * Metrics dumps as a log family: the Prometheus text
 * exposition format (and OpenMetrics, its successor) one sample line at a time, the time lines a
 * `date; curl …/metrics` loop writes between scrapes, and saved JSON documents (Prometheus HTTP API
 * results, SGLang `/v1/loads`: parse/metrics-json.ts), one per line as curl saves them.
 *
 * A sample line is `name{label="value",…} value [timestamp]`. The parser here is small and strict
 * rather than a library: the per-line model needs one line's samples at a time (the npm parsers
 * read a whole scrape body into metric families, and throw on a bad line), and only a dozen metric
 * names are read (metric-names.ts); every other name is ignored before its labels are looked at.
 *
 * When a sample's time comes from: its own timestamp (Prometheus text: integer ms; OpenMetrics:
 * seconds with a fraction), else a timestamp in front of the line (`ts`, `kubectl logs
 * --timestamps`), else the last time line before it in the same input (aggregate/scrapes.ts),
 * else none: the file's order then tells scrapes apart, but not when they were taken.
 */
import { parseMetricsJsonLine, METRICS_JSON_NEEDLES } from './metrics-json.ts';
import { metricOf, METRIC_NEEDLES, rankLabels } from './metric-names.ts';
import { findTimestamp, UTC_ZONE, wallClockToMs, type Zone } from './timestamps.ts';
import { IGNORED, type LineParser, type MetricSample, type ParseResult } from '../model/records.ts';

export const PROMETHEUS = 'prometheus';

/** How a parser may be set up beyond the zone (input/settings.ts). */
export interface ParserHints {
  /**
   * The inputs hold bare time lines (input/sniff.ts): every line is then handed to the parsers, as
   * a time line holds nothing a needle could find.
   */
  readonly timeLines?: boolean;
}

export function createPrometheusParser(zone: Zone = UTC_ZONE, hints: ParserHints = {}): LineParser {
  // A needle shorter than two bytes makes every line a candidate (scan/scanner.ts).
  const needles = [...METRIC_NEEDLES, ...METRICS_JSON_NEEDLES, ...(hints.timeLines === true ? [''] : [])];
  return { name: PROMETHEUS, needles, parse: (line) => parsePrometheusLine(line, zone) };
}

/** A metric name and, optionally, its labels and a leading stamp: what decides whether the rest is read. */
const SAMPLE_HEAD = /^[ \t]*(?:(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)[ \t]+)?([a-zA-Z_:][a-zA-Z0-9_:]*)/;
const LABEL = /[ \t]*([a-zA-Z_][a-zA-Z0-9_]*)[ \t]*=[ \t]*"((?:[^"\\]|\\.)*)"[ \t]*(,|\})/y;
const VALUE_AND_TIME = /^[ \t]+(\S+)(?:[ \t]+(\S+))?[ \t]*(?:#.*)?$/;
/** Go's float syntax as the exposition format allows it, and the special values. */
const FLOAT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf|inf|NaN|nan)$/;
/** Timestamps past this are ms (Prometheus text), below it seconds (OpenMetrics): 10^11 s is the year 5138, 10^11 ms 1973. */
const MS_THRESHOLD = 1e11;

export function parsePrometheusLine(line: string, zone: Zone = UTC_ZONE): ParseResult {
  const first = line.charCodeAt(0);
  // `{` or `[` opens a JSON document; `#` a HELP/TYPE/EOF comment (or a decorated time line).
  if (first === 0x7b || first === 0x5b) return parseMetricsJsonLine(line, zone);
  const time = scrapeTime(line, zone);
  if (time !== undefined) return { kind: 'record', record: { kind: 'scrape-time', time } };
  if (first === 0x23) return IGNORED;
  const head = SAMPLE_HEAD.exec(line);
  if (head === null) return IGNORED;
  const name = head[2] ?? '';
  // Cheap refusal first: a name that is no per-rank evidence, before any label is read.
  if (metricOf(name, 'prefill_compute') === undefined && metricOf(name, undefined) === undefined) return IGNORED;
  let at = head[0].length;
  const labels = new Map<string, string>();
  if (line.charCodeAt(at) === 0x7b) {
    at++;
    if (/^[ \t]*\}/.test(line.slice(at, at + 8))) at = line.indexOf('}', at) + 1;
    else {
      for (;;) {
        LABEL.lastIndex = at;
        const m = LABEL.exec(line);
        if (m === null) return { kind: 'unparseable', reason: 'metric sample with malformed labels' };
        labels.set(m[1] ?? '', unescape(m[2] ?? ''));
        at = LABEL.lastIndex;
        if (m[3] === '}') break;
        // A trailing comma before the brace is allowed.
        if (/^[ \t]*\}/.test(line.slice(at, at + 8))) {
          at = line.indexOf('}', at) + 1;
          break;
        }
      }
    }
  }
  const rest = VALUE_AND_TIME.exec(line.slice(at));
  if (rest === null) return { kind: 'unparseable', reason: 'metric sample without a value' };
  const text = rest[1] ?? '';
  if (!FLOAT.test(text)) return { kind: 'unparseable', reason: 'metric sample with a value that is not a number' };
  const value = Number(text.replace(/^([+-]?)inf$/i, '$1Infinity').replace(/^nan$/i, 'NaN'));
  // NaN is legal (a gauge with nothing to say) and tells nothing; ±Inf and negatives are no counts.
  if (Number.isNaN(value)) return IGNORED;
  if (!Number.isFinite(value) || value < 0) return { kind: 'unparseable', reason: 'metric sample with a negative or infinite value' };
  let own: number | undefined;
  if (rest[2] !== undefined) {
    const stamp = Number(rest[2]);
    if (!/^\d+(?:\.\d+)?$/.test(rest[2]) || !Number.isFinite(stamp)) return { kind: 'unparseable', reason: 'metric sample with a malformed timestamp' };
    own = Math.round(stamp >= MS_THRESHOLD ? stamp : stamp * 1000);
  } else if (head[1] !== undefined) own = findTimestamp(head[1], zone);
  const metric = metricOf(name, labels.get('mode'));
  if (metric === undefined) return IGNORED;
  const where = rankLabels(labels);
  if (where === null) return IGNORED;
  const sample: MetricSample = { quantity: metric.quantity, rank: where.rank, worker: where.worker, tp: where.tp, value, time: own, engine: metric.engine, metric: metric.name };
  return { kind: 'record', record: { kind: 'metric-samples', time: undefined, samples: [sample] } };
}

/** A sample line of a recognised engine metric at the start of a line (the sniff's test). */
const SAMPLE_START = /^(?:vllm|sglang|trtllm)[:_][a-zA-Z0-9_:]*(?:\{|[ \t]+[-+.\dIN])/m;

/**
 * Whether the start of an input (its first ~64 KiB, decoded) is a metrics dump with bare time lines
 * between its scrapes: only then are all its lines handed to the parsers (ParserHints.timeLines),
 * as a time line holds nothing a needle could find. Costs one regex over the head.
 */
export function looksLikeTimedScrapes(head: string, zone: Zone = UTC_ZONE): boolean {
  if (!SAMPLE_START.test(head)) return false;
  let at = 0;
  while (at < head.length) {
    let end = head.indexOf('\n', at);
    if (end === -1) end = head.length;
    if (end - at <= 64 && scrapeTime(head.slice(at, end).replace(/\r$/, ''), zone) !== undefined) return true;
    at = end + 1;
  }
  return false;
}

/** `\\`, `\"` and `\n` inside a label value. */
function unescape(text: string): string {
  return text.includes('\\') ? text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)) : text;
}

/** A date and time alone on a line, perhaps decorated (`# `, `--- … ---`, `==> … <==`). */
const ISO_LINE = /^[ \t#=>\-*]*(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:[ ]?(?:Z|[+-]\d{2}:?\d{2}|UTC))?)[ \t=<\-*]*$/;
/** `date`'s default: `Thu May 28 13:00:26 UTC 2026` (the zone name is passed over: `--tz` says the zone). */
const DATE_LINE = /^[ \t#=>\-*]*(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? +(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* +(\d{1,2}) +(\d{2}):(\d{2}):(\d{2})(?: +([A-Z]{1,5}|[+-]\d{4}))? +(\d{4})[ \t=<\-*]*$/;
/** `date +%s`: epoch seconds, 2001–2286. */
const EPOCH_LINE = /^[ \t#=>\-*]*(1\d{9}|[2-9]\d{9})(?:\.\d{1,9})?[ \t=<\-*]*$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The time of a time line, `undefined` for any other line. */
export function scrapeTime(line: string, zone: Zone = UTC_ZONE): number | undefined {
  if (line.length > 64) return undefined;
  const iso = ISO_LINE.exec(line);
  if (iso !== null) return findTimestamp((iso[1] ?? '').replace(/ ?UTC$/, 'Z').replace(' Z', 'Z'), zone);
  const date = DATE_LINE.exec(line);
  if (date !== null) {
    const utc = date[6] === 'UTC' || date[6] === 'GMT' || date[6] === '+0000';
    return wallClockToMs(Number(date[7]), MONTHS.indexOf(date[1] ?? '') + 1, Number(date[2]), Number(date[3]), Number(date[4]), Number(date[5]), 0, utc ? UTC_ZONE : zone);
  }
  const epoch = EPOCH_LINE.exec(line);
  if (epoch !== null) return Number(epoch[1]) * 1000;
  return undefined;
}
