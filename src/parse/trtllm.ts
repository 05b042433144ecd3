/**
 * TensorRT-LLM `print_iter_log` lines, in the
 * early-2025, late-2025 and 2026 shapes. A context step on a rank (`num_ctx_requests > 0`) is a
 * prefill batch; a step with only generation tokens is a decode batch.
 *
 * What a line means is defined field by field (`readFields`): each field is the first match of its
 * pattern anywhere in the line, the counts of `states` inside its braces. Lines as TensorRT-LLM
 * prints them are read in one match instead (`readPrinted`), which gives the same fields: 8 scans
 * of the line become 1, ~840 → ~300 ns a line (test/parse/trtllm.test.ts holds the two to each
 * other on every shape and on mutated lines).
 */
import { stripAnsiHolding } from './envelope.ts';
import { digitsAt, UTC_ZONE, wallClockToMs, type Zone } from './timestamps.ts';
import { IGNORED, type BatchRecord, type LineParser, type ParseResult } from '../model/records.ts';

const ITER = /\biter = (\d+), global_rank = (\d+), rank = (\d+)/;
const NEEDLES = ['global_rank = '];
const STATES = /states = \{([^}]*)\}/;
const CTX_REQUESTS = /'num_ctx_requests': (\d+)/;
const CTX_TOKENS = /'num_ctx_tokens': (\d+)/;
const GEN_TOKENS = /'num_generation_tokens': (\d+)/;
const SCHEDULED = /num_scheduled_requests(?:: | = )(\d+)/;
const UNSCHEDULED = /\bnum_unscheduled = (\d+)/;
/** Logger header `[MM/DD/YYYY-HH:MM:SS]` (local time, read as UTC). */
const HEADER_TIME = /\[\d\d\/\d\d\/\d{4}-\d\d:\d\d:\d\d\]/;
const BODY_TIME = /timestamp = (\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})/;
const PREFIX_RANK = /\[(?:RANK|MPI_Rank) (\d+)\]/;
const FETCHED = /\bcurrank_total_requests = (\d+)\/(\d+)/;

/**
 * The line as each release prints it, from `iter =` to the counts that open `states`:
 * - 2026: `…, rank = R, num_scheduled_requests = N, kv_cache_util = U, currank_total_requests = F/T,
 *   host_step_time = Xms, prev_device_step_time = Yms, timestamp = …, states = {'num_ctx_requests': …`
 * - late 2025: `…, rank = R, currank_total_requests = F/T, host_step_time = Xms,
 *   prev_device_step_time = Yms|N/A, timestamp = …, num_scheduled_requests: N, states = {…`
 * - early 2025: `…, rank = R, currank_total_requests = F/T, elapsed_time = Xs, timestamp = …,
 *   num_scheduled_requests: N, states = {…`
 * Groups: 1–3 iter, global rank, rank; 4 or 7 scheduled; 5–6 fetched/total; 8–10 context
 * requests, context tokens, generation tokens.
 */
const PRINTED =
  /\biter = (\d+), global_rank = (\d+), rank = (\d+)(?:, num_scheduled_requests = (\d+))?(?:, kv_cache_util = [\d.]+)?, currank_total_requests = (\d+)\/(\d+), (?:elapsed_time = [\d.]+s|host_step_time = [\d.]+ms, prev_device_step_time = (?:[\d.]+ms|N\/A)), timestamp = \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, (?:num_scheduled_requests: (\d+), )?states = \{'num_ctx_requests': (\d+), 'num_ctx_tokens': (\d+), 'num_generation_tokens': (\d+)/;
/**
 * Text before the match that would make some field's first match not the one PRINTED took (none of
 * these can run into the match: it starts with `iter = `, and no key here ends in a prefix of it).
 */
const FIELD_BEFORE = /iter = |states = \{|num_scheduled_requests|num_unscheduled|currank_total_requests/;

/** The fields of an iteration line; undefined where a field is absent or not a safe integer. */
interface Fields {
  readonly rank: number | undefined;
  readonly ctxRequests: number | undefined;
  readonly ctxTokens: number | undefined;
  readonly genTokens: number | undefined;
  readonly running: number | undefined;
  readonly queue: number | undefined;
  readonly fetched: number | undefined;
  readonly fetchedTotal: number | undefined;
}

export function createTrtllmParser(zone: Zone = UTC_ZONE): LineParser {
  // Every line ITER matches holds `global_rank = `; of its two fixed parts that is the one with a
  // rare character (`_`), which the reader finds faster than `iter = `.
  return { name: 'trtllm', needles: NEEDLES, parse: (line) => parseTrtllmLine(line, zone) };
}

/** @param zone the zone of TensorRT-LLM's local stamps (`--tz`) */
export function parseTrtllmLine(raw: string, zone: Zone = UTC_ZONE): ParseResult {
  const line = stripAnsiHolding(raw, NEEDLES);
  if (line === null) return IGNORED;
  const fields = readPrinted(line) ?? readFields(line);
  if ('kind' in fields) return fields;
  const { ctxRequests, genTokens } = fields;
  if (ctxRequests === undefined) return { kind: 'unparseable', reason: 'TensorRT-LLM states without num_ctx_requests' };
  if (ctxRequests === 0 && (genTokens ?? 0) === 0) return IGNORED;
  const prefill = ctxRequests > 0;
  const record: BatchRecord = {
    kind: 'batch',
    phase: prefill ? 'prefill' : 'decode',
    time: timeOf(line, zone),
    ranks: { dp: fields.rank, tp: undefined, pp: undefined, attnCp: undefined, moeDp: undefined, ep: undefined },
    newSeq: prefill ? ctxRequests : undefined,
    newTokens: prefill ? fields.ctxTokens : undefined,
    cachedTokens: undefined,
    running: fields.running,
    queue: fields.queue,
    bootstrapQueue: undefined,
    inflight: undefined,
    legacy: false,
    prefix: 'native',
    fetched: fields.fetched,
    fetchedTotal: fields.fetchedTotal,
  };
  return { kind: 'record', record };
}

/**
 * The definition: each field the first match of its pattern in the (colour-free) line. A line
 * without `iter = …` is ignored; one without `states = {…}` is unparseable.
 */
export function readFields(line: string): Fields | ParseResult {
  const iter = ITER.exec(line);
  if (iter === null) return IGNORED;
  const states = STATES.exec(line)?.[1];
  if (states === undefined) return { kind: 'unparseable', reason: 'TensorRT-LLM iteration line without states' };
  const fetched = FETCHED.exec(line);
  return {
    // The body's `rank =` is the executor's rank (one per attention-DP rank); the logger prefix is the fallback.
    rank: number(iter[3]) ?? number(PREFIX_RANK.exec(line)?.[1]),
    ctxRequests: number(CTX_REQUESTS.exec(states)?.[1]),
    ctxTokens: number(CTX_TOKENS.exec(states)?.[1]),
    genTokens: number(GEN_TOKENS.exec(states)?.[1]),
    running: number(SCHEDULED.exec(line)?.[1]),
    queue: number(UNSCHEDULED.exec(line)?.[1]),
    fetched: number(fetched?.[1]),
    fetchedTotal: number(fetched?.[2]),
  };
}

/**
 * The fields of a line as TensorRT-LLM prints it (PRINTED), equal to `readFields`'s; null for any
 * other line. PRINTED's match holds each field's first match when nothing before it holds one of
 * their keys (FIELD_BEFORE), and the first `}` after it closes `states`; `num_unscheduled`, absent
 * from the printed shapes, is looked for after it.
 */
export function readPrinted(line: string): Fields | null {
  const m = PRINTED.exec(line);
  if (m === null || (m.index > 0 && FIELD_BEFORE.test(line.slice(0, m.index)))) return null;
  const end = m.index + m[0].length;
  if (line.indexOf('}', end) === -1) return null;
  return {
    rank: number(m[3]) ?? number(PREFIX_RANK.exec(line)?.[1]),
    ctxRequests: number(m[8]),
    ctxTokens: number(m[9]),
    genTokens: number(m[10]),
    running: number(m[4] ?? m[7]),
    queue: line.includes('num_unscheduled', end) ? number(UNSCHEDULED.exec(line)?.[1]) : undefined,
    fetched: number(m[5]),
    fetchedTotal: number(m[6]),
  };
}

function number(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The last logger header read at a line's start, `[MM/DD/YYYY-HH:MM:SS]`, with its zone and time: the
 * lines of one second share it. A line that starts with it has it as HEADER_TIME's first match.
 */
let lastHeader = '';
let lastHeaderZone: Zone | null = null;
let lastHeaderMs: number | undefined;

function timeOf(line: string, zone: Zone): number | undefined {
  if (lastHeaderZone === zone && line.startsWith(lastHeader)) return lastHeaderMs;
  const h = HEADER_TIME.exec(line);
  if (h !== null) {
    // Its digits sit where HEADER_TIME put them: `[MM/DD/YYYY-HH:MM:SS]`.
    const ms = wallClockToMs(digitsAt(line, h.index + 7, 4), digitsAt(line, h.index + 1, 2), digitsAt(line, h.index + 4, 2), digitsAt(line, h.index + 12, 2), digitsAt(line, h.index + 15, 2), digitsAt(line, h.index + 18, 2), 0, zone);
    if (h.index === 0) {
      lastHeader = h[0];
      lastHeaderZone = zone;
      lastHeaderMs = ms;
    }
    return ms;
  }
  const b = BODY_TIME.exec(line);
  return b === null ? undefined : wallClockToMs(Number(b[1]), Number(b[2]), Number(b[3]), Number(b[4]), Number(b[5]), Number(b[6]), 0, zone);
}
