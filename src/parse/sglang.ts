/**
 * SGLang scheduler logs. Recognises:
 * - `Prefill batch` / `Decode batch` lines of every release: `Prefill batch.`,
 *   `Prefill batch,`, `Prefill batch [N],`, v0.3's `Prefill batch(mixed #running-req: N).`, with
 *   any token-usage form, field aliases and trailing `, `, space or nothing;
 * - rank prefixes: `[date time[.ms] DPd PPp ATTN_CPc MOE_DPm TPt EPe]` in any order, `DP-1`,
 *   time-only stamps, no tags; custom logging formats with ranks inside a bracket; Dynamo's
 *   reformatting (ISO time, no ranks). The prefix is searched for, not anchored, so `srun -l`
 *   labels, Ray actor prefixes and junk before the bracket do not matter;
 * - `server_args=ServerArgs(...)` layout lines.
 */
import { stripAnsi } from './envelope.ts';
import { digitsAt, findLoggerTimestamp, UTC_ZONE, wallClockToMs, type Zone } from './timestamps.ts';
import { IGNORED, type BatchRecord, type LayoutRecord, type LineParser, type ParseResult, type RankLabels } from '../model/records.ts';

// `Prefill batch` + optional v0.3 mixed-chunk part + optional iteration tag + `.` or `,`.
const HEADER = /(Prefill|Decode) batch(?:\(mixed #running-req: (\d+)\))?(?: \[\d+\])?([.,])/y;
// Rank tags anywhere inside a bracket of a custom format; `\b` keeps MOE_DP from matching DP.
const CUSTOM_RANK = /\b(DP|PP|ATTN_CP|MOE_DP|TP|EP)(-?\d+)\b/g;

const LAYOUT = {
  dpSize: /\bdp_size=(\d+)/,
  tpSize: /\btp_size=(\d+)/,
  ppSize: /\bpp_size=(\d+)/,
  epSize: /\bep_size=(\d+)/,
  nnodes: /\bnnodes=(\d+)/,
  nodeRank: /\bnode_rank=(\d+)/,
  enableDpAttention: /\benable_dp_attention=(True|False)/,
  disaggregationMode: /\bdisaggregation_mode='(\w+)'/,
} as const;

/** Fields each phase must carry for its line to count (present in every release). */
const REQUIRED = { Prefill: ['#new-token: ', '#queue-req: '], Decode: ['#running-req: ', '#queue-req: '] } as const;

/** Keys whose presence marks the ≥ v0.4.3.post3 decode shape. */
const MODERN_DECODE_KEYS = ['cuda graph: ', 'cpu graph: ', 'npu graph: ', 'musa graph: ', 'largest-len: ', 'pre-allocated usage: '];

/** The SGLang parser's name (its family in the report); the scanning kernel reads this family's batch lines. */
export const SGLANG = 'sglang';

export function createSglangParser(zone: Zone = UTC_ZONE): LineParser {
  return {
    name: SGLANG,
    needles: ['batch', 'server_args='],
    parse: (line) => parseSglangLine(line, zone),
  };
}

/** @param zone the zone of zone-less timestamps (`--tz`) */
export function parseSglangLine(raw: string, zone: Zone = UTC_ZONE): ParseResult {
  const prefillAt = raw.indexOf('Prefill batch');
  const decodeAt = prefillAt === -1 ? raw.indexOf('Decode batch') : -1;
  if (prefillAt === -1 && decodeAt === -1) {
    // `ServerArgs(` first: V8 looks for a string by its first character, and `s` starts so many
    // places in a line that the search of the whole needle costs three times as much.
    return raw.includes('ServerArgs(') && raw.includes('server_args=ServerArgs(') ? { kind: 'record', record: parseLayout(raw) } : IGNORED;
  }
  const line = stripAnsi(raw);
  const at = line.indexOf(prefillAt !== -1 ? 'Prefill batch' : 'Decode batch');
  if (at === -1) return IGNORED;
  HEADER.lastIndex = at;
  const header = HEADER.exec(line);
  // `Prefill batch` inside another message (no `.`/`,` after it) is not a batch line.
  if (header === null) return IGNORED;
  const kind = header[1] === 'Prefill' ? 'Prefill' : 'Decode';
  const body = HEADER.lastIndex;
  for (const key of REQUIRED[kind]) {
    if (line.indexOf(key, body) === -1) return { kind: 'unparseable', reason: `${kind.toLowerCase()} batch line without ${key.slice(0, -2)}` };
  }
  const queue = countAfter(line, '#queue-req: ', body);
  // A field present but not a count (e.g. torn into `#queue-req: 1[2026-…`) makes the line unusable.
  if (queue === undefined || queue === MALFORMED) return { kind: 'unparseable', reason: `${kind.toLowerCase()} batch line with a malformed #queue-req` };
  const { ranks, time, prefix } = parsePrefix(line.slice(0, at), zone);
  const mixedRunning = header[2] === undefined ? undefined : count(header[2]);
  const dot = header[3] === '.';
  const legacy =
    kind === 'Prefill'
      ? mixedRunning !== undefined || (dot && line.includes('cache hit rate: ', body))
      : dot && !MODERN_DECODE_KEYS.some((k) => line.includes(k, body));
  const record: BatchRecord = {
    kind: 'batch',
    phase: kind === 'Prefill' ? 'prefill' : 'decode',
    time,
    ranks,
    newSeq: value(line, '#new-seq: ', body),
    newTokens: value(line, '#new-token: ', body),
    cachedTokens: value(line, '#cached-token: ', body),
    running: mixedRunning ?? value(line, '#running-req: ', body),
    queue,
    // Aliases: the bootstrap backlog was renamed twice, the in-flight KV queue once. On decode
    // lines `#prealloc-req` is the decode-side pre-allocation queue, the same "waiting for KV" role.
    bootstrapQueue: value(line, '#unbootstrapped-req: ', body) ?? value(line, '#prealloc-req: ', body) ?? value(line, '#bootstrap-req: ', body),
    inflight: value(line, '#transferring-req: ', body) ?? value(line, '#inflight-req: ', body) ?? value(line, '#transfer-req: ', body),
    legacy,
    prefix,
    fetched: undefined,
    fetchedTotal: undefined,
  };
  return { kind: 'record', record };
}

/**
 * The contents of `[…]` groups, left to right: from a `[` to the next `]`, then on after it. A
 * scan with indexOf: the regex `/\[([^\]]*)\]/g` does the same but in quadratic time on a line of
 * many `[` and no `]` (a 1 MiB garbage line took minutes).
 */
function* brackets(text: string): Generator<string> {
  for (let open = text.indexOf('['); open !== -1; ) {
    const close = text.indexOf(']', open + 1);
    if (close === -1) return;
    yield text.slice(open + 1, close);
    open = text.indexOf('[', close + 1);
  }
}

/** `countAfter` found the key but no well-formed count after it. */
const MALFORMED = -1;

/**
 * The count after the first `key` at or after `from` (keys end in `: `): `undefined` when the key
 * is absent, MALFORMED when what follows is not a whole number ending at `,`, a space or the end.
 * Hand-written because it runs for every field of every batch line (the hot path).
 */
function countAfter(line: string, key: string, from: number): number | undefined {
  const at = line.indexOf(key, from);
  if (at === -1) return undefined;
  let i = at + key.length;
  let n = 0;
  const start = i;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  const digits = i - start;
  // 15 digits stay below 2^53; more would lose precision, so they are not a count we can trust.
  if (digits === 0 || digits > 15) return MALFORMED;
  if (i < line.length) {
    const c = line.charCodeAt(i);
    if (c !== 44 /* , */ && c !== 32 /* space */ && c !== 13 /* CR */) return MALFORMED;
  }
  return n;
}

/** A count field's value, `undefined` when absent or malformed. */
function value(line: string, key: string, from: number): number | undefined {
  const n = countAfter(line, key, from);
  return n === MALFORMED ? undefined : n;
}

/** A non-negative safe integer, or `undefined`. */
function count(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

const NO_RANKS: RankLabels = Object.freeze({ dp: undefined, tp: undefined, pp: undefined, attnCp: undefined, moeDp: undefined, ep: undefined });

function parsePrefix(before: string, zone: Zone): { ranks: RankLabels; time: number | undefined; prefix: BatchRecord['prefix'] } {
  // Native: the text right before the message is `[<stamp><ranks>] `.
  if (before.endsWith('] ')) {
    const close = before.length - 2;
    const open = before.lastIndexOf('[', close);
    const native = open === -1 ? null : parseNativeBracket(before, open + 1, close, zone);
    if (native !== null) return native;
  }
  // Custom formats (`[ts][file.py:1][INFO]: …`, ranks somewhere in a bracket) and Dynamo's ISO reformat.
  let ranks: RankLabels = NO_RANKS;
  for (const bracket of brackets(before)) {
    for (const t of bracket.matchAll(CUSTOM_RANK)) {
      if (ranks === NO_RANKS) ranks = { ...NO_RANKS };
      setRank(ranks, t[1] ?? '', Number(t[2]));
    }
  }
  return { ranks, time: findLoggerTimestamp(before, zone), prefix: ranks === NO_RANKS ? 'none' : 'custom' };
}

/**
 * `[YYYY-MM-DD HH:MM:SS[.mmm] TAGn TAGn …]` (date optional) between `from` and `to`, parsed by
 * hand: it runs for every batch line. `null` when the bracket is not SGLang's.
 */
function parseNativeBracket(s: string, from: number, to: number, zone: Zone): { ranks: RankLabels; time: number | undefined; prefix: 'native' } | null {
  let i = from;
  let date: { year: number; month: number; day: number } | null = null;
  if (to - i >= 19 && s.charCodeAt(i + 4) === 45 && s.charCodeAt(i + 7) === 45 && s.charCodeAt(i + 10) === 32) {
    const year = digitsAt(s, i, 4);
    const month = digitsAt(s, i + 5, 2);
    const day = digitsAt(s, i + 8, 2);
    if (year < 0 || month < 0 || day < 0) return null;
    date = { year, month, day };
    i += 11;
  }
  if (to - i < 8 || s.charCodeAt(i + 2) !== 58 || s.charCodeAt(i + 5) !== 58) return null;
  const hour = digitsAt(s, i, 2);
  const minute = digitsAt(s, i + 3, 2);
  const second = digitsAt(s, i + 6, 2);
  if (hour < 0 || minute < 0 || second < 0) return null;
  i += 8;
  let ms = 0;
  if (i < to && s.charCodeAt(i) === 46) {
    ms = digitsAt(s, i + 1, 3);
    if (ms < 0 || to - i < 4) return null;
    i += 4;
  }
  const ranks = { dp: undefined, tp: undefined, pp: undefined, attnCp: undefined, moeDp: undefined, ep: undefined };
  while (i < to) {
    if (s.charCodeAt(i) !== 32) return null;
    const tagStart = ++i;
    while (i < to && ((s.charCodeAt(i) >= 65 && s.charCodeAt(i) <= 90) || s.charCodeAt(i) === 95)) i++;
    if (i === tagStart) return null;
    const tag = s.slice(tagStart, i);
    const negative = i < to && s.charCodeAt(i) === 45;
    if (negative) i++;
    const numberStart = i;
    let n = 0;
    while (i < to && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) n = n * 10 + (s.charCodeAt(i++) - 48);
    if (i === numberStart || i - numberStart > 9) return null;
    setRank(ranks, tag, negative ? -n : n);
  }
  const time = date === null ? undefined : wallClockToMs(date.year, date.month, date.day, hour, minute, second, ms, zone);
  return { ranks, time, prefix: 'native' };
}

function setRank(ranks: { -readonly [K in keyof RankLabels]: RankLabels[K] }, tag: string, value: number): void {
  if (!Number.isSafeInteger(value)) return;
  switch (tag) {
    case 'DP':
      ranks.dp = value;
      break;
    case 'TP':
      ranks.tp = value;
      break;
    case 'PP':
      ranks.pp = value;
      break;
    case 'ATTN_CP':
      ranks.attnCp = value;
      break;
    case 'MOE_DP':
      ranks.moeDp = value;
      break;
    case 'EP':
      ranks.ep = value;
      break;
  }
}

function parseLayout(line: string): LayoutRecord {
  const int = (re: RegExp): number | undefined => {
    const m = re.exec(line);
    return m === null ? undefined : count(m[1] ?? '');
  };
  const attention = LAYOUT.enableDpAttention.exec(line)?.[1];
  return {
    kind: 'layout',
    origin: 'server_args',
    dpSize: int(LAYOUT.dpSize),
    tpSize: int(LAYOUT.tpSize),
    ppSize: int(LAYOUT.ppSize),
    epSize: int(LAYOUT.epSize),
    nnodes: int(LAYOUT.nnodes),
    nodeRank: int(LAYOUT.nodeRank),
    firstRank: undefined,
    localRanks: undefined,
    enableDpAttention: attention === undefined ? undefined : attention === 'True',
    disaggregationMode: LAYOUT.disaggregationMode.exec(line)?.[1],
  };
}
