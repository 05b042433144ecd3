/**
 * Per-request DP-rank evidence: SGLang
 * `--log-requests` lines (`Receive: obj=GenerateReqInput(rid='…', …, bootstrap_room=…,
 * data_parallel_rank=None, …)` and `Finish: …` with `'meta_info': {…'dp_rank': N…}`), and per-request
 * debug prints of any engine carrying `dp_rank=…`, `"dp_rank": …`, `data_parallel_rank=…`,
 * `routed_dp_rank=…` or `prefill_dp_rank=…`.
 *
 * Only plausibly per-request lines count: a request id, rid or bootstrap room on the line, or a
 * Receive/Finish message; configuration dumps never do. Lines are searched with indexOf, so the
 * tens-of-KB reprs of request logs stay cheap.
 */
import { parseDpRank } from './dynamo.ts';
import { stripAnsiHolding } from './envelope.ts';
import { findLoggerTimestamp, UTC_ZONE, type Zone } from './timestamps.ts';
import { IGNORED, type DpRankValue, type LineParser, type ParseResult, type RequestRecord } from '../model/records.ts';

const RANK_KEYS = ['data_parallel_rank', 'routed_dp_rank', 'prefill_dp_rank', 'dp_rank'] as const;
/** key, optional closing quote, `=` or `:`, optional opening quote, value */
const RANK_VALUE = /^["']?\s*[=:]\s*["']?(Some\(\d+\)|None|null|\d+)/;
/** At `'dp_rank'` (set `lastIndex`): read in place, so that no digit is cut off. */
const META_DP_RANK = /'dp_rank':\s*(\d+|None)/y;
const ROOM = /\bbootstrap_room["']?\s*[=:]\s*["']?(\d+)/;
/** Evidence that a line is about one request. */
const PER_REQUEST = /\brid\s*[=:]|['"]rid['"]\s*:|\brequest_id\b|\breq_id\b|Request ID|\bbootstrap_room\b|\brequest [0-9a-f-]{8,}/i;
/** Configuration dumps mention dp ranks without being requests. */
const CONFIG = /server_args=|ServerArgs\(|non-default args|Namespace\(|\bconfig\b/;

const NEEDLES = ['dp_rank', 'data_parallel_rank'];

export function createRequestParser(zone: Zone = UTC_ZONE): LineParser {
  return { name: 'requests', needles: NEEDLES, parse: (line) => parseRequestLine(line, zone) };
}

export function parseRequestLine(raw: string, zone: Zone = UTC_ZONE): ParseResult {
  const line = raw.includes('\u001b') || raw.includes('[0m') ? stripAnsiHolding(raw, NEEDLES) : raw;
  if (line === null) return IGNORED;
  const receive = line.indexOf('Receive: obj=');
  const finish = receive === -1 ? line.indexOf('Finish: obj=') : -1;
  const known = receive !== -1 || finish !== -1;
  if (!known && (!PER_REQUEST.test(line) || CONFIG.test(line))) return IGNORED;
  const requested = requestedRank(line);
  const executedText = finish === -1 ? undefined : executedRank(line);
  const executed = executedText === undefined || executedText === 'None' ? undefined : Number(executedText);
  // A rank past 2^53 is a garbled line, not a rank (it would be one of the report's ranks).
  if (requested === null || (executed !== undefined && !Number.isSafeInteger(executed))) return { kind: 'unparseable', reason: 'per-request line with a malformed dp_rank' };
  if (requested === undefined && executed === undefined) return IGNORED;
  const record: RequestRecord = {
    kind: 'request',
    time: findLoggerTimestamp(line.slice(0, Math.max(0, known ? Math.max(receive, finish) : 64)), zone),
    source: receive !== -1 ? 'sglang-receive' : finish !== -1 ? 'sglang-finish' : 'generic',
    requested,
    executed,
    bootstrapRoom: ROOM.exec(line)?.[1],
  };
  return { kind: 'record', record };
}

/** `'dp_rank': N` inside the response's `'meta_info'` dict (which nests other dicts). */
function executedRank(line: string): string | undefined {
  const meta = line.indexOf("'meta_info'");
  const at = meta === -1 ? -1 : line.indexOf("'dp_rank'", meta);
  if (at === -1) return undefined;
  META_DP_RANK.lastIndex = at;
  return META_DP_RANK.exec(line)?.[1];
}

/** The requested rank: the first rank key of the line (outside meta_info); `null` when malformed. */
function requestedRank(line: string): DpRankValue | undefined | null {
  const meta = line.indexOf("'meta_info'");
  for (const key of RANK_KEYS) {
    let at = line.indexOf(key);
    while (at !== -1) {
      const boundary = at === 0 || !/[A-Za-z0-9_]/.test(line.charAt(at - 1));
      if (boundary && (meta === -1 || at < meta)) {
        const m = RANK_VALUE.exec(line.slice(at + key.length, at + key.length + 40));
        if (m?.[1] === undefined) return null;
        return parseDpRank(m[1]) ?? null;
      }
      at = line.indexOf(key, at + key.length);
    }
  }
  return undefined;
}
