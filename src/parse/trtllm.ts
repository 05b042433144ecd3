/**
 * TensorRT-LLM `print_iter_log` lines, in the
 * early-2025, late-2025 and 2026 shapes. A context step on a rank (`num_ctx_requests > 0`) is a
 * prefill batch; a step with only generation tokens is a decode batch.
 */
import { stripAnsi } from './envelope.ts';
import { digitsAt, UTC_ZONE, wallClockToMs, type Zone } from './timestamps.ts';
import { IGNORED, type BatchRecord, type LineParser, type ParseResult } from '../model/records.ts';

const ITER = /\biter = (\d+), global_rank = (\d+), rank = (\d+)/;
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

export function createTrtllmParser(zone: Zone = UTC_ZONE): LineParser {
  // Every line ITER matches holds `global_rank = `; of its two fixed parts that is the one with a
  // rare character (`_`), which the reader finds faster than `iter = `.
  return { name: 'trtllm', needles: ['global_rank = '], parse: (line) => parseTrtllmLine(line, zone) };
}

/** @param zone the zone of TensorRT-LLM's local stamps (`--tz`) */
export function parseTrtllmLine(raw: string, zone: Zone = UTC_ZONE): ParseResult {
  const line = stripAnsi(raw);
  const iter = ITER.exec(line);
  if (iter === null) return IGNORED;
  const states = STATES.exec(line)?.[1];
  if (states === undefined) return { kind: 'unparseable', reason: 'TensorRT-LLM iteration line without states' };
  const ctxRequests = number(CTX_REQUESTS.exec(states)?.[1]);
  const genTokens = number(GEN_TOKENS.exec(states)?.[1]);
  if (ctxRequests === undefined) return { kind: 'unparseable', reason: 'TensorRT-LLM states without num_ctx_requests' };
  if (ctxRequests === 0 && (genTokens ?? 0) === 0) return IGNORED;
  const prefill = ctxRequests > 0;
  // The body's `rank =` is the executor's rank (one per attention-DP rank); the logger prefix is the fallback.
  const rank = number(iter[3]) ?? number(PREFIX_RANK.exec(line)?.[1]);
  const fetched = FETCHED.exec(line);
  const record: BatchRecord = {
    kind: 'batch',
    phase: prefill ? 'prefill' : 'decode',
    time: timeOf(line, zone),
    ranks: { dp: rank, tp: undefined, pp: undefined, attnCp: undefined, moeDp: undefined, ep: undefined },
    newSeq: prefill ? ctxRequests : undefined,
    newTokens: prefill ? number(CTX_TOKENS.exec(states)?.[1]) : undefined,
    cachedTokens: undefined,
    running: number(SCHEDULED.exec(line)?.[1]),
    queue: number(UNSCHEDULED.exec(line)?.[1]),
    bootstrapQueue: undefined,
    inflight: undefined,
    legacy: false,
    prefix: 'native',
    fetched: number(fetched?.[1]),
    fetchedTotal: number(fetched?.[2]),
  };
  return { kind: 'record', record };
}

function number(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

function timeOf(line: string, zone: Zone): number | undefined {
  const h = HEADER_TIME.exec(line);
  // Its digits sit where HEADER_TIME put them: `[MM/DD/YYYY-HH:MM:SS]`.
  if (h !== null) return wallClockToMs(digitsAt(line, h.index + 7, 4), digitsAt(line, h.index + 1, 2), digitsAt(line, h.index + 4, 2), digitsAt(line, h.index + 12, 2), digitsAt(line, h.index + 15, 2), digitsAt(line, h.index + 18, 2), 0, zone);
  const b = BODY_TIME.exec(line);
  return b === null ? undefined : wallClockToMs(Number(b[1]), Number(b[2]), Number(b[3]), Number(b[4]), Number(b[5]), Number(b[6]), 0, zone);
}
