/**
 * NVIDIA Dynamo router and backend-handler lines that carry a routing decision
 *. Both output formats: the readable
 * `tracing` format (`<ISO>  INFO <target>: <message> key=value …`, ANSI or not) and JSONL
 * (`{"time":…,"message":…, <fields flattened>}`, Python events with `log.target`).
 *
 * `Formula for …` lines are per-candidate scores, not decisions: they are ignored.
 */
import { stripAnsi } from './envelope.ts';
import { findLoggerTimestamp, findTimestamp, UTC_ZONE, type Zone } from './timestamps.ts';
import { IGNORED, type DpRankValue, type LineParser, type ParseResult, type RoutingRecord } from '../model/records.ts';

/** Statements in the order they are tried; `needle` is also what the reader pre-filters on. */
const STATEMENTS: ReadonlyArray<{ readonly needle: string; readonly source: RoutingRecord['source']; readonly needsRank: boolean }> = [
  // KV router: `Selected worker: …` and the B10 selector's `… selected worker: …`.
  { needle: 'elected worker: ', source: 'kv-selected', needsRank: false },
  // Prefill router.
  { needle: 'Built bootstrap_info upfront before prefill', source: 'bootstrap', needsRank: true },
  { needle: 'Using pre-selected prefill worker for bootstrap', source: 'pre-selected', needsRank: true },
  { needle: 'Using sticky prefill worker for bootstrap', source: 'sticky', needsRank: true },
  { needle: 'Conditional disagg routing to decode worker', source: 'conditional-disagg', needsRank: true },
  // TRT-LLM handler: only printed when the router sent a rank.
  { needle: 'Using dynamo router dp_rank=', source: 'trtllm-handler', needsRank: true },
  // vLLM handler: `Received DP rank {r} is out of range …`. The needle is
  // the rarer half (capitals), which the reader finds faster; the other half is checked below.
  { needle: 'Received DP rank', source: 'vllm-out-of-range', needsRank: true },
];

/**
 * Every statement's needle holds one of these. Looking for these four costs a third of looking
 * for the seven needles (measured on vLLM and TensorRT-LLM lines), and most lines offered to this
 * parser are other families' and hold none. Each starts with a character that starts few places in
 * a log line (V8 finds a string by its first character), so `Using dynamo router dp_rank=` whole
 * rather than `dp_rank=`.
 */
function mayHoldStatement(raw: string): boolean {
  return raw.includes('worker') || raw.includes('bootstrap') || raw.includes('Using dynamo router dp_rank=') || raw.includes('DP rank');
}

const WORKER_ID = /\bworker_id"?\s*[=:]\s*"?(\d+)/;
const OLD_SELECTED = /elected worker: (\d+),/;
const DP_RANK = /\bdp_rank"?\s*[=:]\s*"?(Some\((-?\d+)\)|None|null|-?\d+)/;
const OUT_OF_RANGE_RANK = /Received DP rank (\S+) is out of range/;
const ROUTER_MODE = /\brouter_mode"?\s*[=:]\s*"?([A-Za-z_]+)/;
const JSON_DP_RANK = /"dp_rank"\s*:\s*("(?:Some\(-?\d+\)|None)"|-?\d+|null)/;

/** Values at or above 2^31 are not ranks: u32::MAX (4294967295) is Dynamo's "not set" sentinel. */
const SENTINEL_FLOOR = 2 ** 31;

export function createDynamoParser(zone: Zone = UTC_ZONE): LineParser {
  return { name: 'dynamo', needles: STATEMENTS.map((s) => s.needle), parse: (line) => parseDynamoLine(line, zone) };
}

/** @param zone the zone of a zone-less stamp (Dynamo always prints `Z` or an offset, so rarely used) */
export function parseDynamoLine(raw: string, zone: Zone = UTC_ZONE): ParseResult {
  if (!mayHoldStatement(raw)) return IGNORED;
  const statement = STATEMENTS.find((s) => raw.includes(s.needle));
  if (statement === undefined) return IGNORED;
  const line = stripAnsi(raw);
  // JSONL, possibly behind an envelope (srun label, kubectl prefix or timestamp).
  const jsonAt = line.indexOf('{"');
  const json = jsonAt !== -1 && line.endsWith('}') ? parseJsonLine(line.slice(jsonAt), zone) : null;
  const text = json?.message ?? line;
  if (!text.includes(statement.needle)) return IGNORED;
  if (statement.source === 'vllm-out-of-range' && !text.includes('is out of range')) return IGNORED;

  // Fields live in the message (readable format, or values formatted into a JSON message) or,
  // in JSONL, as top-level keys; look in the message first, then the raw line.
  const workerId = WORKER_ID.exec(text)?.[1] ?? (statement.source === 'kv-selected' ? OLD_SELECTED.exec(text)?.[1] : undefined) ?? WORKER_ID.exec(line)?.[1];
  let rankText = statement.source === 'vllm-out-of-range' ? OUT_OF_RANGE_RANK.exec(text)?.[1] : (DP_RANK.exec(text)?.[1] ?? undefined);
  if (rankText === undefined && json !== null) {
    const m = JSON_DP_RANK.exec(line);
    if (m?.[1] !== undefined) rankText = m[1].replace(/"/g, '');
  }
  if (rankText === undefined && statement.needsRank) return { kind: 'unparseable', reason: `${statement.source} line without dp_rank` };
  const dpRank = rankText === undefined ? undefined : parseDpRank(rankText);
  if (dpRank === null) return { kind: 'unparseable', reason: `${statement.source} line with a malformed dp_rank` };
  if (statement.source !== 'trtllm-handler' && statement.source !== 'vllm-out-of-range' && workerId === undefined) {
    return { kind: 'unparseable', reason: `${statement.source} line without worker_id` };
  }
  const record: RoutingRecord = {
    kind: 'routing',
    time: json?.time ?? findLoggerTimestamp(line, zone),
    source: statement.source,
    workerId,
    dpRank,
    routerMode: ROUTER_MODE.exec(line)?.[1],
  };
  return { kind: 'record', record };
}

/** `3`, `Some(3)`, `None`, `null`, `4294967295` → a DpRankValue; `null` when not a rank at all. */
export function parseDpRank(text: string): DpRankValue | null {
  if (text === 'None' || text === 'null') return { kind: 'none' };
  const digits = /^(?:Some\()?(-?\d+)\)?$/.exec(text)?.[1];
  if (digits === undefined) return null;
  const value = Number(digits);
  if (!Number.isFinite(value) || value < 0) return null;
  if (value >= SENTINEL_FLOOR || !Number.isSafeInteger(value)) return { kind: 'sentinel', raw: text };
  return { kind: 'rank', value };
}

/** message and time of a JSONL event; `null` when the line is not a JSON object. */
function parseJsonLine(line: string, zone: Zone): { message: string; time: number | undefined } | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const message = 'message' in value && typeof value.message === 'string' ? value.message : '';
  const time = 'time' in value && typeof value.time === 'string' ? findTimestamp(value.time, zone) : undefined;
  return { message, time };
}
