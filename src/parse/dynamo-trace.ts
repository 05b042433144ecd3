/**
 * Dynamo request traces (`DYN_REQUEST_TRACE=1`: JSONL shards `dynamo-request-trace.000000.jsonl.gz`,
 * schema `dynamo.request.trace.v1`, PR #11180): the cleanest
 * per-request DP attribution there is. Each `request_end` record says which prefill and decode
 * worker and DP rank served the request, how long it waited for its first token, the router's
 * queue depth when it was routed, and its token counts:
 *
 *   {"schema":"dynamo.request.trace.v1","event_type":"request_end","event_time_unix_ms":…,
 *    "request":{"request_id":…,"request_received_ms":…,"prefill_wait_time_ms":…,"ttft_ms":…,
 *    "input_tokens":…,"output_tokens":…,"queue_depth":…,"worker":{"prefill_worker_id":…,
 *    "prefill_dp_rank":…,"decode_worker_id":…,"decode_dp_rank":…}}}
 *
 * File sinks wrap each record as `{"timestamp":…,"event":{…}}`; both forms are read, and the
 * earlier schema name `dynamo.agent.trace.v1`. Other event types (`tool_start`, `tool_end`) are
 * ignored. Worker ids are u64: they are taken from the text, as JSON numbers would round them.
 */
import { IGNORED, type LineParser, type ParseResult, type RequestTraceRecord } from '../model/records.ts';

export const DYNAMO_TRACE = 'dynamo-trace';

const NEEDLES = ['dynamo.request.trace', 'dynamo.agent.trace'];

export function createDynamoTraceParser(): LineParser {
  return { name: DYNAMO_TRACE, needles: NEEDLES, parse: parseDynamoTraceLine };
}

const WORKER_ID = (key: string): RegExp => new RegExp(`"${key}"\\s*:\\s*"?(\\d{1,20})\\b`);
const PREFILL_WORKER = WORKER_ID('prefill_worker_id');
const DECODE_WORKER = WORKER_ID('decode_worker_id');

export function parseDynamoTraceLine(line: string): ParseResult {
  const open = line.indexOf('{');
  // The schema names the needle: a record without it is not this parser's (LineParser.needles).
  if (open === -1 || !line.includes('request_end') || !NEEDLES.some((n) => line.includes(n))) return IGNORED;
  let doc: unknown;
  try {
    doc = JSON.parse(line.slice(open));
  } catch {
    return { kind: 'unparseable', reason: 'request-trace line that does not parse (cut short?)' };
  }
  const event = field(doc, 'event') ?? doc;
  if (field(event, 'event_type') !== 'request_end') return IGNORED;
  const request = field(event, 'request');
  if (typeof request !== 'object' || request === null) return { kind: 'unparseable', reason: 'request_end record without its request' };
  const worker = field(request, 'worker');
  const received = number(field(request, 'request_received_ms'));
  const record: RequestTraceRecord = {
    kind: 'request-trace',
    time: received ?? number(field(event, 'event_time_unix_ms')),
    prefillWorker: PREFILL_WORKER.exec(line)?.[1] ?? '',
    prefillRank: rank(field(worker, 'prefill_dp_rank')),
    decodeWorker: DECODE_WORKER.exec(line)?.[1] ?? '',
    decodeRank: rank(field(worker, 'decode_dp_rank')),
    ttftMs: number(field(request, 'ttft_ms')),
    prefillWaitMs: number(field(request, 'prefill_wait_time_ms')),
    queueDepth: count(field(request, 'queue_depth')),
    inputTokens: count(field(request, 'input_tokens')),
    outputTokens: count(field(request, 'output_tokens')),
  };
  return { kind: 'record', record };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

/** A finite, non-negative number, else `undefined`. */
function number(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A non-negative safe integer, else `undefined`. */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** A DP rank below 2^31 (u32::MAX and other sentinels are no rank). */
function rank(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 31 ? value : undefined;
}
