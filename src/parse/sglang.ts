/**
 * SGLang scheduler logs (reference: sglang-log-formats.md). Recognises:
 * - `Prefill batch` / `Decode batch` lines of every release (§2: P0–P16, D1–D14): `Prefill batch.`,
 *   `Prefill batch,`, `Prefill batch [N],`, v0.3's `Prefill batch(mixed #running-req: N).`, with
 *   any token-usage form, field aliases and trailing `, `, space or nothing;
 * - rank prefixes (§1): `[date time[.ms] DPd PPp ATTN_CPc MOE_DPm TPt EPe]` in any order, `DP-1`,
 *   time-only stamps, no tags; custom logging formats with ranks inside a bracket; Dynamo's
 *   reformatting (ISO time, no ranks). The prefix is searched for, not anchored, so `srun -l`
 *   labels, Ray actor prefixes and junk before the bracket do not matter;
 * - `server_args=ServerArgs(...)` layout lines (§4.1).
 */
import { stripAnsi } from './envelope.ts';
import { findLoggerTimestamp, UTC_ZONE, wallClockToMs, type Zone } from './timestamps.ts';
import { IGNORED, type BatchRecord, type LayoutRecord, type LineParser, type ParseResult, type RankLabels } from './types.ts';

// `Prefill batch` + optional v0.3 mixed-chunk part + optional iteration tag + `.` or `,`.
const HEADER = /(Prefill|Decode) batch(?:\(mixed #running-req: (\d+)\))?(?: \[\d+\])?([.,])/y;
// Native prefix bracket content: optional date, time, optional ms, rank tags.
const NATIVE_BRACKET = /^(?:(\d{4})-(\d{2})-(\d{2}) )?(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?((?: [A-Z_]+-?\d+)*)$/;
const RANK_TOKEN = /^(DP|PP|ATTN_CP|MOE_DP|TP|EP)(-?\d+)$/;
// Rank tags anywhere inside a bracket of a custom format; `\b` keeps MOE_DP from matching DP.
const CUSTOM_RANK = /\b(DP|PP|ATTN_CP|MOE_DP|TP|EP)(-?\d+)\b/g;
const BRACKET = /\[([^\]]*)\]/g;

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

/** Fields each phase must carry for its line to count (present in every release, §2). */
const REQUIRED = { Prefill: ['#new-token', '#queue-req'], Decode: ['#running-req', '#queue-req'] } as const;

/** Keys whose presence marks the ≥ v0.4.3.post3 decode shape (§2.2 D3+). */
const MODERN_DECODE_KEYS = ['cuda graph', 'cpu graph', 'npu graph', 'musa graph', 'largest-len', 'pre-allocated usage'];

export function createSglangParser(zone: Zone = UTC_ZONE): LineParser {
  return { name: 'sglang', needles: ['batch', 'server_args='], parse: (line) => parseSglangLine(line, zone) };
}

/** @param zone the zone of zone-less timestamps (`--tz`) */
export function parseSglangLine(raw: string, zone: Zone = UTC_ZONE): ParseResult {
  const prefillAt = raw.indexOf('Prefill batch');
  const decodeAt = prefillAt === -1 ? raw.indexOf('Decode batch') : -1;
  if (prefillAt === -1 && decodeAt === -1) {
    return raw.includes('server_args=ServerArgs(') ? { kind: 'record', record: parseLayout(raw) } : IGNORED;
  }
  const line = stripAnsi(raw);
  const at = line.indexOf(prefillAt !== -1 ? 'Prefill batch' : 'Decode batch');
  if (at === -1) return IGNORED;
  HEADER.lastIndex = at;
  const header = HEADER.exec(line);
  // `Prefill batch` inside another message (no `.`/`,` after it) is not a batch line.
  if (header === null) return IGNORED;
  const kind = header[1] === 'Prefill' ? 'Prefill' : 'Decode';
  const fields = parseFields(line, HEADER.lastIndex);
  for (const key of REQUIRED[kind]) {
    if (!fields.has(key)) return { kind: 'unparseable', reason: `${kind.toLowerCase()} batch line without ${key}` };
  }
  const { ranks, time, prefix } = parsePrefix(line.slice(0, at), zone);
  const mixedRunning = header[2] === undefined ? undefined : count(header[2]);
  const dot = header[3] === '.';
  const legacy =
    kind === 'Prefill'
      ? mixedRunning !== undefined || (dot && fields.has('cache hit rate'))
      : dot && !MODERN_DECODE_KEYS.some((k) => fields.has(k));
  const record: BatchRecord = {
    kind: 'batch',
    phase: kind === 'Prefill' ? 'prefill' : 'decode',
    time,
    ranks,
    newSeq: numberField(fields, '#new-seq'),
    newTokens: numberField(fields, '#new-token'),
    cachedTokens: numberField(fields, '#cached-token'),
    running: mixedRunning ?? numberField(fields, '#running-req'),
    queue: numberField(fields, '#queue-req'),
    // §7 aliases: the bootstrap backlog was renamed twice, the in-flight KV queue once. On decode
    // lines `#prealloc-req` is the decode-side pre-allocation queue, the same "waiting for KV" role.
    bootstrapQueue: numberField(fields, '#unbootstrapped-req') ?? numberField(fields, '#prealloc-req') ?? numberField(fields, '#bootstrap-req'),
    inflight: numberField(fields, '#transferring-req') ?? numberField(fields, '#inflight-req') ?? numberField(fields, '#transfer-req'),
    legacy,
    prefix,
  };
  // A field present but not a count (e.g. torn into `#queue-req: 1[2026-…`) makes the line unusable.
  if (record.queue === undefined) return { kind: 'unparseable', reason: `${kind.toLowerCase()} batch line with a malformed #queue-req` };
  return { kind: 'record', record };
}

/**
 * `key: value` pairs after the header, split on `, `. Segments without `: ` (v0.4.9's
 * `#token: full=N, swa=N` continuation) are skipped; the first occurrence of a key wins.
 */
function parseFields(line: string, from: number): Map<string, string> {
  const fields = new Map<string, string>();
  let start = from;
  while (start < line.length) {
    let end = line.indexOf(', ', start);
    if (end === -1) end = line.length;
    const colon = line.indexOf(': ', start);
    if (colon !== -1 && colon < end) {
      const key = line.slice(start, colon).trim();
      if (!fields.has(key)) fields.set(key, line.slice(colon + 2, end).trim());
    }
    start = end + 2;
  }
  return fields;
}

function numberField(fields: Map<string, string>, key: string): number | undefined {
  const value = fields.get(key);
  return value === undefined ? undefined : count(value.endsWith(',') ? value.slice(0, -1) : value);
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
    const open = before.lastIndexOf('[', before.length - 2);
    const m = open === -1 ? null : NATIVE_BRACKET.exec(before.slice(open + 1, before.length - 2));
    if (m !== null) {
      const ranks = { ...NO_RANKS };
      for (const token of (m[8] ?? '').split(' ')) {
        const t = RANK_TOKEN.exec(token);
        if (t !== null) setRank(ranks, t[1] ?? '', Number(t[2]));
      }
      const time =
        m[1] === undefined
          ? undefined
          : wallClockToMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), m[7] === undefined ? 0 : Number(m[7]), zone);
      return { ranks, time, prefix: 'native' };
    }
  }
  // Custom formats (`[ts][file.py:1][INFO]: …`, ranks somewhere in a bracket) and Dynamo's ISO reformat.
  let ranks: RankLabels = NO_RANKS;
  for (const bracket of before.matchAll(BRACKET)) {
    for (const t of (bracket[1] ?? '').matchAll(CUSTOM_RANK)) {
      if (ranks === NO_RANKS) ranks = { ...NO_RANKS };
      setRank(ranks, t[1] ?? '', Number(t[2]));
    }
  }
  return { ranks, time: findLoggerTimestamp(before, zone), prefix: ranks === NO_RANKS ? 'none' : 'custom' };
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
    dpSize: int(LAYOUT.dpSize),
    tpSize: int(LAYOUT.tpSize),
    ppSize: int(LAYOUT.ppSize),
    epSize: int(LAYOUT.epSize),
    nnodes: int(LAYOUT.nnodes),
    nodeRank: int(LAYOUT.nodeRank),
    enableDpAttention: attention === undefined ? undefined : attention === 'True',
    disaggregationMode: LAYOUT.disaggregationMode.exec(line)?.[1],
  };
}
